import type { ModuleRoutes } from '../../platform/http/module.ts';

export const patientRoutes: ModuleRoutes = async () => {};
