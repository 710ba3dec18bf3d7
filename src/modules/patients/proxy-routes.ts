import type { ModuleRoutes } from '../../platform/http/module.ts';

export const proxyRoutes: ModuleRoutes = async () => {};
