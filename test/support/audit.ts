// The audit trail as tests read it: where it ends now, and what one user did since.
import type { Kysely } from 'kysely';
import type { Schema } from '../../src/platform/db/schema.ts';

type AuditColumn = keyof Schema['audit_events'] & string;

/** The newest audit row's id (0 when there is none): "since" for what a test does next. */
export async function lastAuditId(db: Kysely<Schema>): Promise<number> {
  const row = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

const WHAT_HAPPENED: readonly AuditColumn[] = [
  'action',
  'outcome',
  'resource_type',
  'resource_id',
  'patient_id',
  'details',
];

/** The actor's audit rows after `since`, oldest first, with the columns a test compares. */
export const auditSince = (
  db: Kysely<Schema>,
  since: number,
  actorId: string,
  columns: readonly AuditColumn[] = WHAT_HAPPENED,
) =>
  db
    .selectFrom('audit_events')
    .select(columns)
    .where('id', '>', since)
    .where('actor_user_id', '=', actorId)
    .orderBy('id')
    .execute();
