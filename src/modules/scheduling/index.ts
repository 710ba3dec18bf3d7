// The scheduling module's routes: the patient's booking API, and each
// further area (front desk, waitlist, check-in, visit-type rules) in its own file.
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { patientSchedulingRoutes } from './routes.ts';

const parts: ModuleRoutes[] = [patientSchedulingRoutes];

export const schedulingRoutes: ModuleRoutes = async (app, deps) => {
  for (const part of parts) await app.register(part, deps);
};
