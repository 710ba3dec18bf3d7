// Sends the outbox to the EHR. Rows are claimed with FOR UPDATE SKIP LOCKED
// and a lease (status 'sending', next_attempt_at = end of lease), so several
// instances never send one row at the same time, and a row whose sender died
// is taken up again once its lease ends. Sending happens outside any
// transaction (the EHR can be slow; the embedded database has one
// connection). A retryable failure waits longer each time, with jitter; after
// the last attempt, or on a refusal, the row is parked as dead.
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Schema } from '../../platform/db/schema.ts';
import type { Jobs } from '../../platform/jobs/jobs.ts';
import { EhrError, type EhrGateway } from '../gateway/gateway.ts';
import {
  type Confirmation,
  NotYet,
  type OutboxKind,
  type OutboxSend,
  outboxKind,
} from './kinds.ts';
import { OUTBOX_QUEUE } from './outbox.ts';

type Db = Kysely<Schema>;

export interface SendPolicy {
  /** Tries before a row is parked as dead (EHR_OUTBOX_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** First retry delay; doubled per attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long a claimed row is left to its sender before another may take it. */
  leaseMs: number;
  /** Rows claimed, and sent side by side, per round. */
  batch: number;
  random?: () => number;
  /** The portal's address, for links in the mail a settled row may send. */
  publicUrl?: string;
  /** The app's configuration, for kinds that open sealed content when they send (messages). */
  config?: Config;
}

export const DEFAULT_POLICY: SendPolicy = {
  maxAttempts: 10,
  baseDelayMs: 5_000,
  maxDelayMs: 30 * 60_000,
  leaseMs: 5 * 60_000,
  batch: 10,
};

/**
 * Delay after the n-th failed attempt: base × 2^(n-1), capped, with "equal
 * jitter" (between half and all of it) so retries from many rows spread out;
 * never sooner than the EHR's Retry-After.
 */
export function retryDelayMs(
  attempts: number,
  policy: Pick<SendPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
  retryAfterSeconds?: number,
): number {
  const exponential = Math.min(
    policy.baseDelayMs * 2 ** Math.max(0, attempts - 1),
    policy.maxDelayMs,
  );
  const jittered = exponential / 2 + random() * (exponential / 2);
  const asked = (retryAfterSeconds ?? 0) * 1000;
  return Math.round(Math.max(jittered, Math.min(asked, policy.maxDelayMs)));
}

/**
 * The failure in words an administrator can act on, without patient data:
 * quoted values, e-mail addresses and long numbers in the EHR's message are
 * blanked, and the whole is kept short.
 */
export function describeFailure(err: unknown): string {
  if (!(err instanceof EhrError))
    return `Unexpected error in the portal (${(err as Error)?.name ?? 'unknown'})`;
  const words = err.message
    .replace(/"[^"]*"|'[^']*'|“[^”]*”/g, '"…"')
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '…@…')
    .replace(/\d[\d -]{4,}\d/g, '…')
    .replace(/\s+/g, ' ')
    .trim();
  // The gateway's own words already say what the EHR answered; other errors get it said.
  const said = err.status === 0 || words.includes(String(err.status));
  return (said ? words : `EHR answered ${err.status}: ${words}`).slice(0, 300);
}

interface Claimed {
  id: string;
  kind: string;
  payload: unknown;
  idempotency_key: string;
  patient_id: string | null;
  clinic_id: string;
  attempts: number;
}

/** Takes up to `batch` due rows (new, retrying, or whose sender's lease ran out). */
export async function claimDue(db: Db, policy: SendPolicy): Promise<Claimed[]> {
  // The database's clock, not ours: rows are stamped by its now().
  return db
    .updateTable('ehr_outbox')
    .set((eb) => ({
      status: 'sending',
      attempts: eb('attempts', '+', 1),
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${policy.leaseMs / 1000})`,
      updated_at: sql<Date>`now()`,
    }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('ehr_outbox')
        .select('id')
        .where('status', 'in', ['pending', 'failed', 'sending'])
        .where('next_attempt_at', '<=', sql<Date>`now()`)
        .orderBy('next_attempt_at')
        .limit(policy.batch)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'kind', 'payload', 'idempotency_key', 'patient_id', 'clinic_id', 'attempts'])
    .execute();
}

export type SendOutcome = 'confirmed' | 'failed' | 'dead' | 'waiting';

/** Sends one claimed row and records what happened. */
export async function sendOne(
  db: Db,
  gateway: EhrGateway,
  row: Claimed,
  policy: SendPolicy,
): Promise<SendOutcome> {
  const sender = outboxKind(row.kind);
  const item = toSend(row);
  let confirmation: Confirmation;
  try {
    if (!sender) throw new EhrError(`This portal has no sender for "${row.kind}"`, 400);
    confirmation = await sender.send(item, gateway, { db, config: policy.config });
  } catch (err) {
    if (err instanceof NotYet) return recordWait(db, row, err, policy);
    return recordFailure(db, row, err, policy, sender);
  }
  await db.transaction().execute(async (trx) => {
    await sender?.lockFirst?.(trx, item);
    const settled = await settle(trx, row)
      .set({
        status: 'confirmed',
        confirmed_at: sql<Date>`now()`,
        last_error: null,
        ehr_resource_type: confirmation.resourceType,
        ehr_id: confirmation.id,
        ehr_version: confirmation.versionId ?? null,
        updated_at: sql<Date>`now()`,
      })
      .executeTakeFirst();
    if (settled.numUpdatedRows > 0n)
      await sender?.settled?.(
        trx,
        item,
        { outcome: 'confirmed', confirmation },
        { publicUrl: policy.publicUrl ?? '' },
      );
  });
  return 'confirmed';
}

const toSend = (row: Claimed): OutboxSend => ({
  id: row.id,
  kind: row.kind,
  payload: row.payload,
  idempotencyKey: row.idempotency_key,
  patientId: row.patient_id,
  clinicId: row.clinic_id,
});

/** The row as this sender claimed it: a later claim (after a lost lease) wins. */
const settle = (db: Db, row: Claimed) =>
  db
    .updateTable('ehr_outbox')
    .where('id', '=', row.id)
    .where('status', '=', 'sending')
    .where('attempts', '=', row.attempts);

/**
 * The kind said "not yet": the row goes back to pending with the attempt
 * claimDue counted given back, due again after the first retry delay (not a
 * growing one), so waiting on another row never wears this one out.
 */
async function recordWait(db: Db, row: Claimed, err: NotYet, policy: SendPolicy) {
  const delay = retryDelayMs(1, policy, policy.random);
  await settle(db, row)
    .set({
      status: 'pending',
      attempts: row.attempts - 1,
      last_error: err.message.slice(0, 300),
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${delay / 1000})`,
      updated_at: sql<Date>`now()`,
    })
    .execute();
  return 'waiting' as const;
}

async function recordFailure(
  db: Db,
  row: Claimed,
  err: unknown,
  policy: SendPolicy,
  sender: OutboxKind | undefined,
) {
  const retryable = err instanceof EhrError ? err.retryable : true;
  const dead = !retryable || row.attempts >= policy.maxAttempts;
  const delay = retryDelayMs(
    row.attempts,
    policy,
    policy.random,
    err instanceof EhrError ? err.retryAfterSeconds : undefined,
  );
  await db.transaction().execute(async (trx) => {
    if (dead) await sender?.lockFirst?.(trx, toSend(row));
    const settled = await settle(trx, row)
      .set({
        status: dead ? 'dead' : 'failed',
        last_error: describeFailure(err),
        next_attempt_at: dead
          ? sql<Date>`now()`
          : sql<Date>`now() + make_interval(secs => ${delay / 1000})`,
        updated_at: sql<Date>`now()`,
      })
      .executeTakeFirst();
    if (dead && settled.numUpdatedRows > 0n)
      await sender?.settled?.(
        trx,
        toSend(row),
        { outcome: 'dead', error: err },
        { publicUrl: policy.publicUrl ?? '' },
      );
  });
  return dead ? 'dead' : 'failed';
}

export interface DrainResult {
  confirmed: number;
  failed: number;
  dead: number;
  /** Rows that waited on another row (see NotYet): not failures. */
  waiting: number;
}

/** Sends what is due, batch after batch, until nothing due is left. */
export async function drainOutbox(
  db: Db,
  gateway: EhrGateway,
  policy: SendPolicy = DEFAULT_POLICY,
): Promise<DrainResult> {
  const result: DrainResult = { confirmed: 0, failed: 0, dead: 0, waiting: 0 };
  for (;;) {
    const claimed = await claimDue(db, policy);
    const outcomes = await Promise.all(claimed.map((row) => sendOne(db, gateway, row, policy)));
    for (const outcome of outcomes) result[outcome]++;
    if (claimed.length < policy.batch) return result;
  }
}

export interface OutboxWorker {
  /** Sends what is due now (one pass at a time per instance). */
  run(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Works the outbox on this instance: when nudged through pg-boss (queue
 * `ehr.outbox`) and on a sweep every few seconds, so a lost nudge only
 * delays a row, never strands it.
 */
export async function startOutboxWorker(options: {
  db: Db;
  gateway: EhrGateway;
  logger: Logger;
  jobs?: Jobs;
  policy?: Partial<SendPolicy>;
  sweepMs?: number;
}): Promise<OutboxWorker> {
  const { db, gateway, logger, jobs } = options;
  const policy = { ...DEFAULT_POLICY, ...options.policy };
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const pass = async () => {
    do {
      again = false;
      try {
        const r = await drainOutbox(db, gateway, policy);
        if (r.failed || r.dead) logger.warn(r, 'EHR outbox: some changes could not be sent');
        else if (r.confirmed) logger.debug(r, 'EHR outbox: changes confirmed');
      } catch (err) {
        logger.error({ err }, 'EHR outbox pass failed; the sweep will try again');
      }
    } while (again && !stopped);
  };
  const run = () => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  if (jobs) await jobs.handle(OUTBOX_QUEUE, async () => run());
  const timer = setInterval(() => void run(), options.sweepMs ?? 5000);
  timer.unref();
  return {
    run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
