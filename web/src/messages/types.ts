// The messaging API's shapes, taken from the server's schemas as types only
// (nothing of the server reaches the browser bundle), so the two cannot drift.
import type { Static } from 'typebox';
import type {
  AttachmentView,
  DraftView,
  MessageClinic as MessageClinicSchema,
  MessageView,
  ThreadSummary,
  ThreadView,
  TopicOption as TopicOptionSchema,
} from '../../../src/modules/messaging/model.ts';
import type { ThreadStatus, Topic } from '../../../src/modules/messaging/tables.ts';

export type { AttachmentView, MessageView, ThreadStatus, ThreadSummary, ThreadView, Topic };
export type MessageClinic = Static<typeof MessageClinicSchema>;
export type TopicOption = Static<typeof TopicOptionSchema>;

/** GET /api/messages/clinics: where the patient is registered, with the topics each takes. */
export interface ClinicList {
  clinics: MessageClinic[];
}

/** GET /api/messages/threads?page= (newest activity first). */
export interface ThreadPage {
  threads: ThreadSummary[];
  hasMore: boolean;
}

/** GET /api/messages/unread: counted by the server from what this user read. */
export interface Unread {
  unread: number;
}

/** GET /api/messages/drafts?threadId= (no threadId: the new conversation's draft). */
export type DraftAnswer = DraftView;

/** What a draft keeps: the text and, for a new conversation, the choices made so far. */
export interface DraftContent {
  body: string;
  clinicId?: string | null;
  topic?: Topic | null;
  subject?: string | null;
}

/** GET and PUT /api/account/message-email. */
export interface MessageEmail {
  email: boolean;
}
