import type { ModuleRoutes } from '../../platform/http/module.ts';

export const accountAdminRoutes: ModuleRoutes = async () => {};
