// The messaging module's routes: the patient's conversations, the staff
// inbox, attachments, and the clinic's pools and templates, each in its own file.
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { attachmentRoutes } from './attachment-routes.ts';
import { patientMessagingRoutes } from './routes.ts';
import { staffMessageRoutes } from './staff-routes.ts';
import { messageTemplateRoutes } from './template-routes.ts';

const parts: ModuleRoutes[] = [
  patientMessagingRoutes,
  attachmentRoutes,
  staffMessageRoutes,
  messageTemplateRoutes,
];

export const messagingRoutes: ModuleRoutes = async (app, deps) => {
  for (const part of parts) await app.register(part, deps);
};
