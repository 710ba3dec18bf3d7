import type { ModuleRoutes } from '../../platform/http/module.ts';

export const settingsRoutes: ModuleRoutes = async () => {};
