// The refills module's routes: the patient's requests, the clinic's review
// queue, and the clinic's rules and pharmacy directory, each in its own file.
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { pharmacyRoutes } from './pharmacy-routes.ts';
import { patientRefillRoutes } from './routes.ts';
import { refillRulesRoutes } from './rules-routes.ts';
import { staffRefillRoutes } from './staff-routes.ts';

const parts: ModuleRoutes[] = [
  patientRefillRoutes,
  staffRefillRoutes,
  refillRulesRoutes,
  pharmacyRoutes,
];

export const refillRoutes: ModuleRoutes = async (app, deps) => {
  for (const part of parts) await app.register(part, deps);
};
