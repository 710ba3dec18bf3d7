import type { ModuleRoutes } from '../../platform/http/module.ts';

export const passkeyRoutes: ModuleRoutes = async () => {};
