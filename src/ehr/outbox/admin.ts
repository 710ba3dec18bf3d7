// The outbox as the desk sees it: what is waiting, failing or dead, and the
// two things staff can do about a row: send it again now, or give it up.
// Rows carry no clinical detail here, only what it takes to act.
import { type Kysely, sql } from 'kysely';
import { type Static, Type } from 'typebox';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { OUTBOX_STATUSES, type OutboxStatus } from './tables.ts';

type Db = Kysely<Schema>;

const Text = Type.Union([Type.String(), Type.Null()]);
const Time = Type.String({ format: 'date-time' });

export const OutboxRow = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.String(),
  status: Type.Enum(OUTBOX_STATUSES),
  attempts: Type.Integer(),
  lastError: Text,
  /** Why it was discarded. */
  note: Text,
  patientId: Text,
  clinic: Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() }),
  ehrResourceType: Text,
  ehrId: Text,
  createdAt: Time,
  updatedAt: Time,
  nextAttemptAt: Type.Union([Time, Type.Null()]),
  confirmedAt: Type.Union([Time, Type.Null()]),
});
export type OutboxRow = Static<typeof OutboxRow>;

export const PAGE_SIZE = 50;

const base = (db: Db, clinics: string[] | 'all') =>
  db
    .selectFrom('ehr_outbox as o')
    .innerJoin('clinics as c', 'c.id', 'o.clinic_id')
    .$if(clinics !== 'all', (q) => q.where('o.clinic_id', 'in', clinics as string[]));

export async function listOutbox(
  db: Db,
  clinics: string[] | 'all',
  filter: { status?: OutboxStatus; page: number },
): Promise<{ items: OutboxRow[]; total: number; counts: Record<OutboxStatus, number> }> {
  if (clinics !== 'all' && clinics.length === 0)
    return { items: [], total: 0, counts: countsFrom([]) };
  const filtered = base(db, clinics).$if(!!filter.status, (q) =>
    q.where('o.status', '=', filter.status as OutboxStatus),
  );
  const { n } = await filtered
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await filtered
    .select([
      'o.id',
      'o.kind',
      'o.status',
      'o.attempts',
      'o.last_error',
      'o.note',
      'o.patient_id',
      'o.clinic_id',
      'c.name as clinic_name',
      'o.ehr_resource_type',
      'o.ehr_id',
      'o.created_at',
      'o.updated_at',
      'o.next_attempt_at',
      'o.confirmed_at',
    ])
    // Trouble first, then the oldest waiting: what the desk should look at.
    .orderBy(sql`case o.status when 'dead' then 0 when 'failed' then 1 else 2 end`)
    .orderBy('o.created_at', 'desc')
    .orderBy('o.id')
    .limit(PAGE_SIZE)
    .offset((filter.page - 1) * PAGE_SIZE)
    .execute();
  const perStatus = await base(db, clinics)
    .select(['o.status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('o.status')
    .execute();
  return {
    total: Number(n),
    counts: countsFrom(perStatus),
    items: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      note: r.note,
      patientId: r.patient_id,
      clinic: { id: r.clinic_id, name: r.clinic_name },
      ehrResourceType: r.ehr_resource_type,
      ehrId: r.ehr_id,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      // Only a row that will be tried again has a next attempt worth showing.
      nextAttemptAt: ['pending', 'failed', 'sending'].includes(r.status)
        ? r.next_attempt_at.toISOString()
        : null,
      confirmedAt: r.confirmed_at?.toISOString() ?? null,
    })),
  };
}

function countsFrom(rows: { status: OutboxStatus; n: number }[]): Record<OutboxStatus, number> {
  const counts = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<
    OutboxStatus,
    number
  >;
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}

export async function findOutboxRow(db: Db, id: string) {
  return db
    .selectFrom('ehr_outbox')
    .select(['id', 'kind', 'status', 'clinic_id', 'patient_id', 'attempts'])
    .where('id', '=', id)
    .executeTakeFirst();
}

type Found = NonNullable<Awaited<ReturnType<typeof findOutboxRow>>>;

const RETRYABLE: readonly OutboxStatus[] = ['pending', 'failed', 'dead'];
const DISCARDABLE: readonly OutboxStatus[] = ['pending', 'failed', 'dead'];

/** Due now; a dead row gets its full number of tries again. */
export async function retryRow(trx: Db, row: Found, userId: string) {
  const updated = await trx
    .updateTable('ehr_outbox')
    .set((eb) => ({
      status: 'pending',
      next_attempt_at: sql<Date>`now()`,
      attempts: eb.case().when('status', '=', 'dead').then(0).else(eb.ref('attempts')).end(),
      handled_by: userId,
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', row.id)
    .where('status', 'in', RETRYABLE)
    .returning('id')
    .executeTakeFirst();
  if (!updated) throw await notNow(trx, row.id, 'retried');
}

/** Given up for good: the EHR will not get this change from the portal. */
export async function discardRow(trx: Db, row: Found, userId: string, note: string) {
  const updated = await trx
    .updateTable('ehr_outbox')
    .set({
      status: 'discarded',
      note,
      handled_by: userId,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', row.id)
    .where('status', 'in', DISCARDABLE)
    .returning('id')
    .executeTakeFirst();
  if (!updated) throw await notNow(trx, row.id, 'discarded');
}

/** Why not, in the row's state now (it may have moved since it was read). */
async function notNow(db: Db, id: string, what: string): Promise<ApiError> {
  const status = (await findOutboxRow(db, id))?.status ?? 'discarded';
  const why: Record<OutboxStatus, string> = {
    sending: 'it is being sent right now; look again in a minute',
    confirmed: 'the EHR has already confirmed it',
    discarded: 'it was discarded',
    pending: 'it is waiting to be sent',
    failed: 'it is waiting to be sent again',
    dead: 'it was given up',
  };
  return new ApiError(409, 'outbox_state', `This change cannot be ${what}: ${why[status]}.`);
}
