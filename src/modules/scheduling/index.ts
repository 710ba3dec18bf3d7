// The scheduling module's routes: the patient's booking API, and each
// further area (front desk, waitlist, check-in, visit-type rules) in its own file.
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { checkInRoutes } from './check-in-routes.ts';
import { patientSchedulingRoutes } from './routes.ts';
import { staffSchedulingRoutes } from './staff-routes.ts';
import { visitTypeRoutes } from './visit-type-routes.ts';
import { waitlistRoutes } from './waitlist-routes.ts';

const parts: ModuleRoutes[] = [
  patientSchedulingRoutes,
  checkInRoutes,
  staffSchedulingRoutes,
  visitTypeRoutes,
  waitlistRoutes,
];

export const schedulingRoutes: ModuleRoutes = async (app, deps) => {
  for (const part of parts) await app.register(part, deps);
};
