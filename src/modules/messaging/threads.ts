// Conversations and their messages, for both sides. Subjects and bodies are
// sealed (encrypted) before they reach the database and opened only to be
// shown. Internal notes are staff-only: a patient's view never holds one,
// and they leave the thread's order, receipts and mails untouched.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { openText, sealText } from '../../platform/crypto/envelope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/http/module.ts';
import { addBusinessDays } from '../../platform/time/business-days.ts';
import { attachmentsOf, claimAttachments } from './attachments.ts';
import type { MessageView, ThreadSummary, ThreadView } from './model.ts';
import { queueMessageNotice } from './notices.ts';
import { markRead, unreadByThread, type Viewer } from './reads.ts';
import type { ThreadStatus, Topic } from './tables.ts';
import { queueCommunication } from './writeback.ts';

type Db = Kysely<Schema>;
type Deps = Pick<ModuleDeps, 'config'>;

export interface NewThread {
  clinicId: string;
  patientId: string;
  poolId: string;
  topic: Topic;
  subject: string;
  body: string;
  authorUserId: string;
  fromStaff: boolean;
  attachmentIds?: string[];
}

/** Opens a thread with its first message; returns the thread's id. */
export async function startThread(trx: Db, deps: Deps, t: NewThread): Promise<string> {
  const subject = await sealText(trx, deps.config, t.subject);
  const thread = await trx
    .insertInto('message_threads')
    .values({
      clinic_id: t.clinicId,
      patient_id: t.patientId,
      pool_id: t.poolId,
      topic: t.topic,
      subject: subject.data,
      key_id: subject.keyId,
      started_by: t.authorUserId,
      started_by_staff: t.fromStaff,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await postMessage(trx, deps, {
    threadId: thread.id,
    authorUserId: t.authorUserId,
    fromStaff: t.fromStaff,
    internal: false,
    body: t.body,
    attachmentIds: t.attachmentIds,
  });
  return thread.id;
}

/**
 * Adds a message to a thread: sealed, with its attachments claimed, the
 * thread's clock and status moved on, and (unless it is an internal note)
 * the Communication for the EHR and the other side's notice queued, all in
 * the caller's transaction. The author's draft for the thread goes.
 */
export async function postMessage(
  trx: Db,
  deps: Deps,
  p: {
    threadId: string;
    authorUserId: string;
    fromStaff: boolean;
    internal: boolean;
    body: string;
    attachmentIds?: string[];
  },
): Promise<string> {
  const thread = await trx
    .selectFrom('message_threads')
    .select(['id', 'patient_id', 'status', 'first_staff_reply_at', 'awaiting_reply_since'])
    .where('id', '=', p.threadId)
    .forUpdate()
    .executeTakeFirst();
  if (!thread) throw new ApiError(404, 'not_found', 'That conversation was not found.');
  const internal = p.fromStaff && p.internal;
  const body = await sealText(trx, deps.config, p.body);
  const message = await trx
    .insertInto('messages')
    .values({
      thread_id: thread.id,
      author_user_id: p.authorUserId,
      from_staff: p.fromStaff,
      internal,
      body: body.data,
      key_id: body.keyId,
    })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
  if (p.attachmentIds?.length)
    await claimAttachments(trx, {
      ids: p.attachmentIds,
      uploadedBy: p.authorUserId,
      patientId: thread.patient_id,
      threadId: thread.id,
      messageId: message.id,
    });
  await trx
    .deleteFrom('message_drafts')
    .where('user_id', '=', p.authorUserId)
    .where('thread_id', '=', thread.id)
    .execute();
  if (internal) return message.id;
  await trx
    .updateTable('message_threads')
    .set({
      last_message_at: message.created_at,
      status: nextStatus(thread.status, p.fromStaff),
      ...(p.fromStaff && !thread.first_staff_reply_at
        ? { first_staff_reply_at: message.created_at }
        : {}),
      ...replyClockMoves(thread.awaiting_reply_since, p.fromStaff, message.created_at),
    })
    .where('id', '=', thread.id)
    .execute();
  await queueCommunication(trx, message.id);
  await queueMessageNotice(
    trx,
    thread.id,
    p.fromStaff ? 'patient' : 'staff',
    deps.config.publicUrl,
  );
  return message.id;
}

/**
 * A patient writing again puts a waiting thread back in progress and
 * reopens a closed one as new (it needs someone to pick it up); a staff
 * reply to a new thread means someone is on it.
 */
export function nextStatus(status: ThreadStatus, fromStaff: boolean): ThreadStatus {
  if (fromStaff) return status === 'new' ? 'in_progress' : status;
  if (status === 'waiting_for_patient') return 'in_progress';
  if (status === 'closed') return 'new';
  return status;
}

/**
 * The reply clock: a patient's message starts it when nothing waits already
 * (the oldest unanswered question counts); a staff answer stops it.
 */
export function replyClockMoves(
  awaitingSince: Date | null,
  fromStaff: boolean,
  at: Date,
): { awaiting_reply_since?: Date | null } {
  if (fromStaff) return awaitingSince ? { awaiting_reply_since: null } : {};
  return awaitingSince ? {} : { awaiting_reply_since: at };
}

/** When a reply is due: the pool's business days on the clinic's calendar. */
export const replyDueAt = (waitingSince: Date, targetBusinessDays: number, timeZone: string) =>
  addBusinessDays(waitingSince, targetBusinessDays, timeZone);

/**
 * A waiting patient's due time and whether it has passed; nothing is due
 * when no patient message waits, and a closed thread waits on nobody.
 */
export function replyClock(
  t: { awaiting_reply_since: Date | null },
  status: ThreadStatus,
  targetDays: number,
  zone: string,
  now: Date,
): { replyDueAt: Date | null; overdue: boolean } {
  if (!t.awaiting_reply_since) return { replyDueAt: null, overdue: false };
  const due = replyDueAt(t.awaiting_reply_since, targetDays, zone);
  return { replyDueAt: due, overdue: status !== 'closed' && now > due };
}

/** The thread rows a summary is built from. */
export function threadsQuery(db: Db) {
  return db
    .selectFrom('message_threads as t')
    .innerJoin('clinics as c', 'c.id', 't.clinic_id')
    .innerJoin('message_pools as p', 'p.id', 't.pool_id')
    .innerJoin('patients as pt', 'pt.id', 't.patient_id')
    .leftJoin('users as a', 'a.id', 't.assigned_user_id')
    .select([
      't.id',
      't.clinic_id',
      't.patient_id',
      't.topic',
      't.subject',
      't.key_id',
      't.status',
      't.created_at',
      't.last_message_at',
      't.first_staff_reply_at',
      't.awaiting_reply_since',
      't.assigned_user_id',
      'a.display_name as assigned_name',
      'c.name as clinic_name',
      'c.time_zone',
      'p.name_en',
      'p.name_es',
      'p.target_business_days',
      'pt.given_name',
      'pt.family_name',
    ]);
}
type ThreadRow = Awaited<ReturnType<ReturnType<typeof threadsQuery>['executeTakeFirstOrThrow']>>;

/** A row as the list shows it; staff see the patient's name and the reply clock. */
export async function threadSummary(
  db: Db,
  config: Config,
  r: ThreadRow,
  staff: boolean,
  unread: number,
  now = new Date(),
): Promise<ThreadSummary> {
  const clock = staff
    ? replyClock(r, r.status, r.target_business_days, r.time_zone, now)
    : { replyDueAt: null, overdue: false };
  return {
    id: r.id,
    clinicId: r.clinic_id,
    clinicName: r.clinic_name,
    patientId: r.patient_id,
    patientName: staff ? `${r.given_name} ${r.family_name}` : null,
    topic: r.topic,
    poolName: { en: r.name_en, es: r.name_es },
    subject: await openText(db, config, Buffer.from(r.subject), r.key_id),
    status: r.status,
    // Who works it inside the clinic is the clinic's business, not the patient's.
    assignedTo:
      staff && r.assigned_user_id && r.assigned_name
        ? { id: r.assigned_user_id, name: r.assigned_name }
        : null,
    lastMessageAt: r.last_message_at.toISOString(),
    unread,
    replyDueAt: clock.replyDueAt?.toISOString() ?? null,
    overdue: clock.overdue,
  };
}

/** Summaries of the given rows, with the viewer's unread counts. */
export async function summaries(
  db: Db,
  config: Config,
  rows: ThreadRow[],
  viewer: Viewer,
): Promise<ThreadSummary[]> {
  const unread = await unreadByThread(
    db,
    rows.map((r) => r.id),
    viewer,
  );
  const now = new Date();
  return Promise.all(
    rows.map((r) => threadSummary(db, config, r, viewer.staff, unread.get(r.id) ?? 0, now)),
  );
}

/**
 * The conversation as the viewer's page shows it, marked read for them (the
 * other side's read receipt), and the look audited in the same transaction.
 */
export async function openThread(
  trx: Db,
  config: Config,
  req: FastifyRequest,
  t: { id: string; patientId: string; clinicId: string },
  viewer: Viewer,
): Promise<ThreadView> {
  const view = await threadView(trx, config, t.id, viewer);
  await markRead(
    trx,
    t.id,
    viewer,
    view.messages.map((m) => m.id),
  );
  await audit(trx, auditSource(req), {
    action: 'view',
    resourceType: 'Communication',
    resourceId: t.id,
    patientId: t.patientId,
    clinicId: t.clinicId,
  });
  return view;
}

/**
 * The whole conversation as the viewer may see it (patients never get
 * internal notes), oldest message first. It changes nothing: a route that
 * shows it to a reader opens it with `openThread`, which marks it read and audits it.
 */
export async function threadView(
  db: Db,
  config: Config,
  threadId: string,
  viewer: Viewer,
): Promise<ThreadView> {
  const row = await threadsQuery(db).where('t.id', '=', threadId).executeTakeFirst();
  if (!row) throw new ApiError(404, 'not_found', 'That conversation was not found.');
  const unread = await unreadByThread(db, [threadId], viewer);
  const [summary, messages] = await Promise.all([
    threadSummary(db, config, row, viewer.staff, unread.get(threadId) ?? 0),
    messageViews(db, config, { threadId }, viewer),
  ]);
  return { ...summary, messages, targetBusinessDays: row.target_business_days };
}

/** One message as its thread shows it (a patient never gets an internal note). */
export async function messageView(
  db: Db,
  config: Config,
  messageId: string,
  viewer: Viewer,
): Promise<MessageView> {
  const [view] = await messageViews(db, config, { messageId }, viewer);
  if (!view) throw new ApiError(404, 'not_found', 'That message was not found.');
  return view;
}

async function messageViews(
  db: Db,
  config: Config,
  which: { threadId: string } | { messageId: string },
  viewer: Viewer,
): Promise<MessageView[]> {
  const rows = await db
    .selectFrom('messages as m')
    .innerJoin('users as u', 'u.id', 'm.author_user_id')
    .select([
      'm.id',
      'm.body',
      'm.key_id',
      'm.from_staff',
      'm.internal',
      'm.created_at',
      'm.read_at',
      'u.display_name',
    ])
    .$if('threadId' in which, (q) =>
      q.where('m.thread_id', '=', (which as { threadId: string }).threadId),
    )
    .$if('messageId' in which, (q) =>
      q.where('m.id', '=', (which as { messageId: string }).messageId),
    )
    .$if(!viewer.staff, (q) => q.where('m.internal', '=', false))
    .orderBy('m.created_at')
    .orderBy('m.id')
    .execute();
  const attachments = await attachmentsOf(
    db,
    config,
    rows.map((r) => r.id),
  );
  return Promise.all(
    rows.map(async (r) => ({
      id: r.id,
      body: await openText(db, config, Buffer.from(r.body), r.key_id),
      fromStaff: r.from_staff,
      authorName: r.display_name,
      internal: r.internal,
      createdAt: r.created_at.toISOString(),
      attachments: attachments.get(r.id) ?? [],
      readAt: r.read_at?.toISOString() ?? null,
    })),
  );
}

/**
 * The thread, when it is this patient's; anything else (another patient's,
 * or none) is refused alike: audited, then 404.
 */
export async function requirePatientThread(
  deps: Pick<ModuleDeps, 'db'>,
  req: FastifyRequest,
  threadId: string,
  patientId: string,
  attempted: string,
) {
  const t = await deps.db
    .selectFrom('message_threads')
    .select(['id', 'clinic_id', 'patient_id', 'status'])
    .where('id', '=', threadId)
    .executeTakeFirst();
  if (t && t.patient_id === patientId) return t;
  await audit(deps.db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: 'Communication',
    resourceId: threadId,
    patientId,
    details: { attempted },
  });
  throw new ApiError(404, 'not_found', 'That conversation was not found.');
}
