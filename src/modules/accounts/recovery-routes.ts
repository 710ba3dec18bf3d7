import type { ModuleRoutes } from '../../platform/http/module.ts';

export const recoveryRoutes: ModuleRoutes = async () => {};
