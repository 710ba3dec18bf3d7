// The hash chain over the audit trail. A sealer links committed events in
// (era, transaction id, id) order into audit_seals, off the request's hot
// path: it seals only events whose transaction is older than every
// transaction still running, so no earlier event can appear after it has
// sealed. Each link is an HMAC with a key derived from ENCRYPTION_KEY and
// never stored in the database, so someone who can change the tables cannot
// re-seal what they changed; the head the sealer logs after each pass lets
// `portal audit verify --expect-head` catch events deleted from the end.
import { createHmac, hkdfSync } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../db/schema.ts';
import { UserError } from '../errors.ts';

const GENESIS = '0'.repeat(64);
const SEALER_LOCK = 7_401_227;

/** The key of the chain's links: its own, so it is never the key that encrypts secrets. */
export const auditChainKey = (encryptionKey: Buffer): Buffer =>
  Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'audit-chain', 32));

export const linkHash = (key: Buffer, prev: string, era: number, text: string) =>
  createHmac('sha256', key).update(`${prev}\n${era}\n`).update(text).digest('hex');

/** The last seal: what an operator keeps from the logs, as "<seq>:<hash>". */
export interface ChainHead {
  seq: number;
  hash: string;
  era: number;
}

export const formatHead = (head: Pick<ChainHead, 'seq' | 'hash'>) => `${head.seq}:${head.hash}`;

export function parseHead(text: string): Pick<ChainHead, 'seq' | 'hash'> {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!match)
    throw new UserError(
      `--expect-head must be <seq>:<hash> as logged in "audit chain head", not "${text}".`,
    );
  return { seq: Number(match[1]), hash: match[2] as string };
}

/** Where an event sits in the chain. */
export interface ChainPosition {
  era: number;
  xact: bigint;
  id: number;
}

/** Chain order: era, then transaction id, then event id. */
export function chainOrder(a: ChainPosition, b: ChainPosition): number {
  if (a.era !== b.era) return a.era - b.era;
  if (a.xact !== b.xact) return a.xact < b.xact ? -1 : 1;
  return a.id - b.id;
}

/**
 * Transaction ids only grow within a cluster, and the head was sealed below
 * the oldest transaction then running. A head at or above the oldest one
 * running now means the ids started again lower: the database was restored
 * into a new cluster, and new events would sort below the head. They go into
 * a new era instead.
 */
export function nextEra(
  head: { era: number; xact: bigint } | undefined,
  snapshot: { xmin: bigint },
): { era: number; restored: boolean } {
  if (!head || head.xact < snapshot.xmin) return { era: head?.era ?? 0, restored: false };
  return { era: head.era + 1, restored: true };
}

type Db = Kysely<Schema>;

/** The event's columns as text, exactly as the database stores them. */
export const canonical = (db: Db) =>
  db.selectFrom('audit_events as e').select([
    'e.id',
    sql<string>`e.xact_id::text`.as('xact'),
    sql<string>`json_build_array(e.id::text, to_char(e.occurred_at at time zone 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.US'), e.actor_user_id, e.actor_role, e.acting_for_patient_id,
        e.action, e.resource_type, e.resource_id, e.patient_id, e.clinic_id, e.outcome, e.ip,
        e.user_agent, e.request_id, e.details::text, e.xact_id::text, e.actor_name)::text`.as(
      'text',
    ),
  ]);

const unsealed = (db: Db) =>
  canonical(db).where(({ not, exists, selectFrom }) =>
    not(exists(selectFrom('audit_seals as s').select('s.seq').whereRef('s.event_id', '=', 'e.id'))),
  );

/** The oldest transaction still running, and the first id not handed out yet. */
async function snapshot(db: Db) {
  const { rows } = await sql<{ xmin: string; xmax: string }>`select
      pg_snapshot_xmin(pg_current_snapshot())::text as xmin,
      pg_snapshot_xmax(pg_current_snapshot())::text as xmax`.execute(db);
  const row = rows[0] as { xmin: string; xmax: string };
  return { xmin: BigInt(row.xmin), xmax: BigInt(row.xmax) };
}

async function chainHead(db: Db) {
  const head = await db
    .selectFrom('audit_seals as s')
    .innerJoin('audit_events as e', 'e.id', 's.event_id')
    .select(['s.seq', 's.hash', 's.era', 'e.id', sql<string>`e.xact_id::text`.as('xact')])
    .orderBy('s.seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return head && { ...head, seq: Number(head.seq), id: Number(head.id), xact: BigInt(head.xact) };
}

const after = (head: { xact: bigint; id: number }) =>
  sql<boolean>`(e.xact_id, e.id) > (${head.xact.toString()}::xid8, ${head.id}::bigint)`;

export interface SealResult {
  sealed: number;
  /** The chain's head after this pass; null while nothing is sealed (or another instance seals). */
  head: ChainHead | null;
  /** Transaction ids restarted below the head: this pass began a new era. */
  restored: boolean;
}

/** Seals what can be sealed now. */
export async function sealAudit(db: Db, key: Buffer, batch = 5000): Promise<SealResult> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{
      locked: boolean;
    }>`select pg_try_advisory_xact_lock(${SEALER_LOCK}) as locked`.execute(trx);
    if (!rows[0]?.locked) return { sealed: 0, head: null, restored: false }; // another instance
    const head = await chainHead(trx);
    const snap = await snapshot(trx);
    const plan = nextEra(head, snap);
    let seq = head?.seq ?? 0;
    let prev = head?.hash ?? GENESIS;
    const seals: (ChainHead & { event_id: number; prev_hash: string })[] = [];
    const link = (events: { id: number; text: string }[], era: number) => {
      for (const e of events) {
        const hash = linkHash(key, prev, era, e.text);
        seals.push({ seq: ++seq, event_id: Number(e.id), prev_hash: prev, hash, era });
        prev = hash;
      }
    };
    if (head && plan.restored)
      // Events the old cluster committed after its last seal: ids no
      // transaction here has been given yet, so none of them is still being
      // written. They close the old era.
      link(
        await unsealed(trx)
          .where(sql<boolean>`e.xact_id >= ${snap.xmax.toString()}::xid8`)
          .where(after(head))
          .orderBy('e.xact_id')
          .orderBy('e.id')
          .limit(batch)
          .execute(),
        head.era,
      );
    if (seals.length < batch)
      link(
        await unsealed(trx)
          .where(sql<boolean>`e.xact_id < pg_snapshot_xmin(pg_current_snapshot())`)
          .$if(!!head && !plan.restored, (q) => q.where(after(head as NonNullable<typeof head>)))
          .orderBy('e.xact_id')
          .orderBy('e.id')
          .limit(batch - seals.length)
          .execute(),
        plan.era,
      );
    for (let i = 0; i < seals.length; i += 500)
      await trx
        .insertInto('audit_seals')
        .values(seals.slice(i, i + 500))
        .execute();
    const last = seals.at(-1) ?? head;
    return {
      sealed: seals.length,
      head: last ? { seq: last.seq, hash: last.hash, era: last.era } : null,
      restored: plan.restored && seals.some((s) => s.era === plan.era),
    };
  });
}

export interface VerifyOptions {
  /** Unsealed events older than this are a problem. */
  maxLagSeconds?: number;
  /** Heads from the sealer's log: each must still be in the chain, unchanged. */
  expectHeads?: Pick<ChainHead, 'seq' | 'hash'>[];
}

export interface VerifyReport {
  ok: boolean;
  sealed: number;
  unsealed: number;
  head: ChainHead | null;
  problems: string[];
  /** Not tampering, but worth knowing (a restore into a new cluster). */
  notes: string[];
}

/**
 * Walks the chain from the start. Names the first event whose content no
 * longer matches its seal (altered, or re-sealed without the key), that a
 * seal points to but is gone (deleted), or that sits inside the sealed range
 * without a seal (inserted); checks that each expected head is still there
 * unchanged (so a deleted tail shows); and counts events older than
 * `maxLagSeconds` that are not sealed yet.
 */
export async function verifyAudit(
  db: Db,
  key: Buffer,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const problems: string[] = [];
  const notes: string[] = [];
  const seals = await db.selectFrom('audit_seals').selectAll().orderBy('seq').execute();
  const texts = new Map((await canonical(db).execute()).map((e) => [Number(e.id), e] as const));
  let prev = GENESIS;
  let last: ChainPosition | undefined;
  let lastSeal: ChainHead | null = null;
  for (const seal of seals) {
    const seq = Number(seal.seq);
    const event = texts.get(Number(seal.event_id));
    const expected: number = (lastSeal as ChainHead | null)?.seq ?? 0;
    if (seq !== expected + 1) {
      problems.push(`seal ${expected + 1} is missing: seals were deleted`);
      break;
    }
    if (!event) {
      problems.push(`audit event ${seal.event_id} (seal ${seq}) was deleted`);
      break;
    }
    const position = { era: seal.era, xact: BigInt(event.xact), id: Number(event.id) };
    if (seal.prev_hash !== prev || linkHash(key, prev, seal.era, event.text) !== seal.hash) {
      problems.push(`audit event ${seal.event_id} (seal ${seq}) was altered`);
      break;
    }
    if (last && chainOrder(last, position) >= 0) {
      problems.push(`audit event ${seal.event_id} (seal ${seq}) is out of chain order`);
      break;
    }
    prev = seal.hash;
    last = position;
    lastSeal = { seq, hash: seal.hash, era: seal.era };
    texts.delete(Number(seal.event_id));
  }
  const snap = await snapshot(db);
  const restored = !!last && nextEra(last, snap).restored;
  if (restored && last)
    notes.push(
      `transaction ids restarted below the sealed head (restored into a new cluster?): ` +
        `sealing continues in era ${last.era + 1}`,
    );
  if (problems.length === 0 && last) {
    const head = last;
    // After a restore, new events sort below the head until the sealer starts the next era.
    const inside = [...texts.values()]
      .filter((e) => chainOrder({ ...head, xact: BigInt(e.xact), id: Number(e.id) }, head) < 0)
      .filter((e) => !(restored && BigInt(e.xact) < snap.xmax))
      .sort((a, b) => Number(a.id) - Number(b.id));
    if (inside[0]) problems.push(`audit event ${inside[0].id} was inserted into the sealed trail`);
  }
  for (const expected of options.expectHeads ?? []) {
    const seal = seals.find((s) => Number(s.seq) === expected.seq);
    if (!seal)
      problems.push(
        `seal ${expected.seq} was logged as the chain's head but the chain ends at seal ` +
          `${Number(seals.at(-1)?.seq ?? 0)}: sealed events were deleted`,
      );
    else if (seal.hash !== expected.hash)
      problems.push(
        `seal ${expected.seq} no longer has the hash logged for it: the chain was rewritten`,
      );
  }
  const stale = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(
      'occurred_at',
      '<',
      sql<Date>`now() - make_interval(secs => ${options.maxLagSeconds ?? 300})`,
    )
    .where('id', 'not in', db.selectFrom('audit_seals').select('event_id'))
    .executeTakeFirstOrThrow();
  if (Number(stale.n) > 0)
    problems.push(
      `${stale.n} audit event(s) older than ${options.maxLagSeconds ?? 300} s are not sealed`,
    );
  return {
    ok: problems.length === 0,
    sealed: seals.length,
    unsealed: texts.size,
    head: lastSeal,
    problems,
    notes,
  };
}
