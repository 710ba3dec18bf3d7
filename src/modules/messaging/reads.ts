// What each person has read, kept in the database (message_reads), so the
// unread count is the same in every tab and on every device. A person has
// read a thread up to when they last opened it; what the other side wrote
// after that is unread. Internal notes are the team's own and never count.
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';

type Db = Kysely<Schema>;

/** Who is reading: a patient's side (the patient or a caregiver) or staff. */
export interface Viewer {
  userId: string;
  staff: boolean;
}

/**
 * Marks the thread read for the viewer up to the newest message they were
 * shown, and gives the other side's messages they were shown their read
 * receipt (the first reading is the one kept). Call it with the ids of the
 * messages the viewer was given.
 *
 * Not now(): a message's created_at is its writer's transaction start, so
 * one committed just after the reader's snapshot can be older than the
 * reader's now() without having been shown; it must stay unread. A reading
 * in another tab with an older snapshot never moves the mark back.
 */
export async function markRead(db: Db, threadId: string, viewer: Viewer, shown: string[]) {
  if (shown.length === 0) return;
  await db
    .insertInto('message_reads')
    .columns(['thread_id', 'user_id', 'read_at'])
    .expression((eb) =>
      eb
        .selectFrom('messages')
        .select((m) => [
          sql<string>`cast(${threadId} as uuid)`.as('thread_id'),
          sql<string>`cast(${viewer.userId} as uuid)`.as('user_id'),
          m.fn.max('created_at').as('read_at'),
        ])
        .where('id', 'in', shown)
        .where('thread_id', '=', threadId)
        .having((m) => m.fn.countAll(), '>', 0),
    )
    .onConflict((oc) =>
      oc.columns(['thread_id', 'user_id']).doUpdateSet({
        read_at: sql<Date>`greatest(message_reads.read_at, excluded.read_at)`,
      }),
    )
    .execute();
  await db
    .updateTable('messages')
    .set({ read_at: sql<Date>`now()` })
    .where('id', 'in', shown)
    .where('thread_id', '=', threadId)
    .where('from_staff', '=', !viewer.staff)
    .where('internal', '=', false)
    .where('read_at', 'is', null)
    .execute();
}

/** Unread messages per thread for the viewer (threads with none are left out). */
export async function unreadByThread(
  db: Db,
  threadIds: string[],
  viewer: Viewer,
): Promise<Map<string, number>> {
  if (threadIds.length === 0) return new Map();
  const rows = await unreadQuery(db, viewer)
    .where('m.thread_id', 'in', threadIds)
    .select(['m.thread_id', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('m.thread_id')
    .execute();
  return new Map(rows.map((r) => [r.thread_id, Number(r.n)]));
}

/**
 * All the viewer's unread messages: in the patient's threads, or (staff) in
 * the pools they work and the threads assigned to them.
 */
export async function unreadTotal(
  db: Db,
  viewer: Viewer,
  threads: { patientId: string } | { poolIds: string[]; assignedTo: string },
): Promise<number> {
  const row = await unreadQuery(db, viewer)
    .innerJoin('message_threads as t', 't.id', 'm.thread_id')
    .where((eb) =>
      'patientId' in threads
        ? eb('t.patient_id', '=', threads.patientId)
        : eb.or([
            eb('t.assigned_user_id', '=', threads.assignedTo),
            ...(threads.poolIds.length ? [eb('t.pool_id', 'in', threads.poolIds)] : []),
          ]),
    )
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The other side's messages written after the viewer last read their thread. */
function unreadQuery(db: Db, viewer: Viewer) {
  return db
    .selectFrom('messages as m')
    .leftJoin('message_reads as r', (j) =>
      j.onRef('r.thread_id', '=', 'm.thread_id').on('r.user_id', '=', viewer.userId),
    )
    .where('m.from_staff', '=', !viewer.staff)
    .where('m.internal', '=', false)
    .where((eb) =>
      eb.or([eb('r.read_at', 'is', null), eb('m.created_at', '>', eb.ref('r.read_at'))]),
    );
}
