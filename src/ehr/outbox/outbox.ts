// Write-back to the EHR by the outbox pattern: a feature queues its change
// for the EHR in the same transaction as its own change, so both commit or
// neither does; the worker (worker.ts) sends it later, however long the EHR
// is away. Features show a patient what is still on its way.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import type { Jobs } from '../../platform/jobs/jobs.ts';
import { outboxKind } from './kinds.ts';
import type { OutboxStatus } from './tables.ts';

type Db = Kysely<Schema>;

export const OUTBOX_QUEUE = 'ehr.outbox';

export interface OutboxItem {
  /** How to send it, e.g. 'fhir.create' or 'appointment.book' (see kinds.ts). */
  kind: string;
  clinicId: string;
  patientId?: string | null;
  /** The FHIR resource to send, or the kind's own instructions. */
  payload: unknown;
  /**
   * Names the change for the EHR; the same key queued twice is one row and
   * one resource. Defaults to a new random key.
   */
  idempotencyKey?: string;
}

/**
 * Queues a change for the EHR in the caller's transaction; returns the
 * row's id (the existing row's, when the key was queued before).
 */
export async function enqueue(trx: Db, item: OutboxItem): Promise<string> {
  const key = item.idempotencyKey ?? randomUUID();
  const inserted = await enqueueInsert(trx, { ...item, idempotencyKey: key })
    .returning('id')
    .executeTakeFirst();
  if (inserted) return inserted.id;
  const existing = await trx
    .selectFrom('ehr_outbox')
    .select('id')
    .where('idempotency_key', '=', key)
    .executeTakeFirstOrThrow();
  return existing.id;
}

/**
 * The outbox row's insert, not yet run (a key queued before is left as it
 * was): for a caller that writes it in one statement with its change.
 */
export function enqueueInsert(trx: Db, item: OutboxItem) {
  const kind = outboxKind(item.kind);
  if (!kind) throw new Error(`No outbox sender is registered for kind "${item.kind}"`);
  kind.check?.(item.payload);
  return trx
    .insertInto('ehr_outbox')
    .values({
      kind: item.kind,
      clinic_id: item.clinicId,
      patient_id: item.patientId ?? null,
      idempotency_key: item.idempotencyKey ?? randomUUID(),
      payload: JSON.stringify(item.payload),
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing());
}

/** Nudges within this window share one job: under load, a few jobs a second instead of one per change. */
const NUDGE_WINDOW_MS = 200;
const nudging = new WeakMap<Jobs, Promise<void>>();

/**
 * Asks a worker to send soon; call after the transaction that queued the
 * change commits. Returns at once: the caller's answer never waits for it.
 */
export function nudgeOutbox(jobs: Jobs | undefined): void {
  if (!jobs || nudging.has(jobs)) return;
  const nudge = new Promise<void>((resolve) => setTimeout(resolve, NUDGE_WINDOW_MS).unref())
    .then(() => {
      nudging.delete(jobs);
      return jobs.send(OUTBOX_QUEUE, {});
    })
    .then(
      () => undefined,
      // The sweep picks it up within seconds anyway.
      () => undefined,
    );
  nudging.set(jobs, nudge);
}

/** Still on its way to the EHR (retries included). */
export const WAITING: readonly OutboxStatus[] = ['pending', 'sending', 'failed'];

export interface PatientOutboxStatus {
  /** Changes the clinic's system has not confirmed yet: "waiting for the clinic's system". */
  waiting: number;
  /** Given up after retries or refused by the EHR: staff have been asked to look. */
  stuck: number;
  items: { id: string; kind: string; status: OutboxStatus; createdAt: Date }[];
}

/** What of a patient's changes the EHR has not confirmed yet, oldest first. */
export async function outboxStatusFor(db: Db, patientId: string): Promise<PatientOutboxStatus> {
  const rows = await db
    .selectFrom('ehr_outbox')
    .select(['id', 'kind', 'status', 'created_at'])
    .where('patient_id', '=', patientId)
    .where('status', 'in', [...WAITING, 'dead'])
    .orderBy('created_at')
    .limit(100)
    .execute();
  return {
    waiting: rows.filter((r) => WAITING.includes(r.status)).length,
    stuck: rows.filter((r) => r.status === 'dead').length,
    items: rows.map((r) => ({ id: r.id, kind: r.kind, status: r.status, createdAt: r.created_at })),
  };
}

/** One change's state by its idempotency key, for a feature showing one request. */
export async function outboxItemStatus(
  db: Db,
  idempotencyKey: string,
): Promise<{ status: OutboxStatus; ehrId: string | null } | undefined> {
  const row = await db
    .selectFrom('ehr_outbox')
    .select(['status', 'ehr_id'])
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  return row && { status: row.status, ehrId: row.ehr_id };
}
