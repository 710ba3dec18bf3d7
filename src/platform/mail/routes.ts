import type { ModuleRoutes } from '../http/module.ts';

export const mailboxRoutes: ModuleRoutes = async () => {};
