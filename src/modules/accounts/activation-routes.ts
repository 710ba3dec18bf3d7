import type { ModuleRoutes } from '../../platform/http/module.ts';

export const activationRoutes: ModuleRoutes = async () => {};
