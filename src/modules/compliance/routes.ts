import type { ModuleRoutes } from '../../platform/http/module.ts';

export const complianceRoutes: ModuleRoutes = async () => {};
