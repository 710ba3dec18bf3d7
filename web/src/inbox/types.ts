// The staff inbox API's shapes, taken from the server's schemas as types only
// (nothing of the server reaches the browser bundle), so the two cannot drift.
import type {
  AttachmentView,
  InboxPool,
  InboxPools,
  MessageView,
  StaffMember,
  Template,
  ThreadSummary,
  ThreadView,
} from '../../../src/modules/messaging/model.ts';
import type { ThreadStatus, Topic } from '../../../src/modules/messaging/tables.ts';

export type {
  AttachmentView,
  InboxPool,
  InboxPools,
  MessageView,
  StaffMember,
  Template,
  ThreadStatus,
  ThreadSummary,
  ThreadView,
  Topic,
};

/** GET /api/staff/messages/threads: oldest waiting first. */
export interface ThreadPage {
  threads: ThreadSummary[];
  hasMore: boolean;
  /** A search read only the threads waiting longest: narrowing the filters finds the rest. */
  searchLimited: boolean;
}
