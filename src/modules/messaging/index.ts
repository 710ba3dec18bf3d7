// The messaging module's routes: the patient's conversations, the staff
// inbox, attachments, and the clinic's pools and templates, each in its own file.
import type { ModuleRoutes } from '../../platform/http/module.ts';

const parts: ModuleRoutes[] = [];

export const messagingRoutes: ModuleRoutes = async (app, deps) => {
  for (const part of parts) await app.register(part, deps);
};
