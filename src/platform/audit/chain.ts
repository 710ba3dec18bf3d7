// The hash chain over the audit trail. A sealer links committed events in
// (transaction id, id) order into audit_seals, off the request's hot path:
// it seals only events whose transaction is older than every transaction
// still running, so no earlier event can appear after it has sealed.
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../db/schema.ts';

const GENESIS = '0'.repeat(64);
const SEALER_LOCK = 7_401_227;

/** The event's columns as text, exactly as the database stores them. */
const canonical = (db: Kysely<Schema>) =>
  db.selectFrom('audit_events as e').select([
    'e.id',
    sql<string>`e.xact_id::text`.as('xact'),
    sql<string>`json_build_array(e.id::text, to_char(e.occurred_at at time zone 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US'), e.actor_user_id, e.actor_role, e.acting_for_patient_id,
        e.action, e.resource_type, e.resource_id, e.patient_id, e.clinic_id, e.outcome, e.ip,
        e.user_agent, e.request_id, e.details::text, e.xact_id::text)::text`.as('text'),
  ]);

export const linkHash = (prev: string, text: string) =>
  createHash('sha256').update(prev).update('\n').update(text).digest('hex');

/** Seals what can be sealed now; returns how many events it chained. */
export async function sealAudit(db: Kysely<Schema>, batch = 5000): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_xact_lock(${SEALER_LOCK}) as locked`.execute(trx);
    if (!rows[0]?.locked) return 0; // another instance is sealing
    const head = await trx
      .selectFrom('audit_seals as s')
      .innerJoin('audit_events as e', 'e.id', 's.event_id')
      .select(['s.seq', 's.hash', 'e.id', sql<string>`e.xact_id::text`.as('xact')])
      .orderBy('s.seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const events = await canonical(trx)
      .where(sql<boolean>`e.xact_id < pg_snapshot_xmin(pg_current_snapshot())`)
      .$if(!!head, (q) =>
        q.where(sql<boolean>`(e.xact_id, e.id) > (${head?.xact}::xid8, ${head?.id}::bigint)`),
      )
      .orderBy('e.xact_id')
      .orderBy('e.id')
      .limit(batch)
      .execute();
    let seq = Number(head?.seq ?? 0);
    let prev = head?.hash ?? GENESIS;
    const seals = events.map((e) => {
      const hash = linkHash(prev, e.text);
      const seal = { seq: ++seq, event_id: e.id, prev_hash: prev, hash };
      prev = hash;
      return seal;
    });
    for (let i = 0; i < seals.length; i += 500)
      await trx
        .insertInto('audit_seals')
        .values(seals.slice(i, i + 500))
        .execute();
    return seals.length;
  });
}

export interface VerifyReport {
  ok: boolean;
  sealed: number;
  unsealed: number;
  problems: string[];
}

/**
 * Walks the chain from the start. Names the first event whose content no
 * longer matches its seal (altered), that a seal points to but is gone
 * (deleted), or that sits inside the sealed range without a seal (inserted);
 * and counts events older than `maxLagSeconds` that are not sealed yet.
 */
export async function verifyAudit(db: Kysely<Schema>, maxLagSeconds = 300): Promise<VerifyReport> {
  const problems: string[] = [];
  const seals = await db.selectFrom('audit_seals').selectAll().orderBy('seq').execute();
  const texts = new Map((await canonical(db).execute()).map((e) => [Number(e.id), e] as const));
  let prev = GENESIS;
  let last: { xact: bigint; id: number } | undefined;
  for (const seal of seals) {
    const event = texts.get(Number(seal.event_id));
    if (!event) {
      problems.push(`audit event ${seal.event_id} (seal ${seal.seq}) was deleted`);
      break;
    }
    if (seal.prev_hash !== prev || linkHash(prev, event.text) !== seal.hash) {
      problems.push(`audit event ${seal.event_id} (seal ${seal.seq}) was altered`);
      break;
    }
    prev = seal.hash;
    last = { xact: BigInt(event.xact), id: Number(event.id) };
    texts.delete(Number(seal.event_id));
  }
  if (problems.length === 0 && last) {
    const inside = [...texts.values()]
      .filter(
        (e) =>
          BigInt(e.xact) < last.xact || (BigInt(e.xact) === last.xact && Number(e.id) < last.id),
      )
      .sort((a, b) => Number(a.id) - Number(b.id));
    if (inside[0]) problems.push(`audit event ${inside[0].id} was inserted into the sealed trail`);
  }
  const stale = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('occurred_at', '<', sql<Date>`now() - make_interval(secs => ${maxLagSeconds})`)
    .where('id', 'not in', db.selectFrom('audit_seals').select('event_id'))
    .executeTakeFirstOrThrow();
  if (stale.n > 0)
    problems.push(`${stale.n} audit event(s) older than ${maxLagSeconds} s are not sealed`);
  return { ok: problems.length === 0, sealed: seals.length, unsealed: texts.size, problems };
}
