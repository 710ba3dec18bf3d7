import type { ModuleRoutes } from '../../platform/http/module.ts';

export const mfaRoutes: ModuleRoutes = async () => {};
