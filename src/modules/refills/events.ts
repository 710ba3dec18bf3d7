// A request's status changes and notes, each with its timeline entry, in the
// caller's transaction.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import type { RefillEventKind, RefillStatus } from './tables.ts';

type Db = Kysely<Schema>;

/** Staff notes stay with staff; everything else is the patient's to see. */
const STAFF_ONLY: readonly RefillEventKind[] = ['note', 'routed'];

export async function recordEvent(
  trx: Db,
  requestId: string,
  kind: RefillEventKind,
  p: { text?: string | null; actorUserId?: string | null } = {},
): Promise<void> {
  await trx
    .insertInto('refill_events')
    .values({
      request_id: requestId,
      kind,
      for_patient: !STAFF_ONLY.includes(kind),
      text: p.text ?? null,
      actor_user_id: p.actorUserId ?? null,
    })
    .execute();
}

/**
 * Moves the request to `status` if it is still in one of `from`, with its
 * timeline entry; false when it had moved on (someone else decided first).
 */
export async function moveStatus(
  trx: Db,
  requestId: string,
  from: readonly RefillStatus[],
  status: RefillStatus,
  p: { text?: string | null; actorUserId?: string | null } = {},
): Promise<boolean> {
  const moved = await trx
    .updateTable('refill_requests')
    .set({ status, updated_at: new Date() })
    .where('id', '=', requestId)
    .where('status', 'in', [...from])
    .returning('id')
    .executeTakeFirst();
  if (!moved) return false;
  await recordEvent(trx, requestId, status as RefillEventKind, p);
  return true;
}
