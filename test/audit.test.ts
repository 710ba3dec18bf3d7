// The audit trail is append-only (the database refuses UPDATE, DELETE and
// TRUNCATE) and chained by the sealer with a keyed hash (HMAC), sealing only
// committed rows in commit-safe order; `portal audit verify` names an
// altered, inserted or deleted row, also after someone re-sealed without the
// key, and a deleted tail given a head from the sealer's log.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startSealer } from '../src/modules/compliance/sealer.ts';
import { audit, SYSTEM_SOURCE } from '../src/platform/audit/audit.ts';
import {
  auditChainKey,
  canonical,
  chainOrder,
  formatHead,
  linkHash,
  nextEra,
  sealAudit,
  verifyAudit,
} from '../src/platform/audit/chain.ts';
import { type Database, openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import type { Schema } from '../src/platform/db/schema.ts';
import {
  createServerDatabase,
  serverUrl,
  type TestDatabase,
  testDatabase,
} from './support/database.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
/** The key the CLI derives from the test configuration's ENCRYPTION_KEY. */
const KEY = auditChainKey(loadConfig({ NODE_ENV: 'test' }).encryptionKey);
const event = (db: Kysely<Schema>, resourceId: string) =>
  audit(db, SYSTEM_SOURCE, { action: 'view', resourceType: 'Test', resourceId });

const unsealed = (db: Kysely<Schema>) =>
  db
    .selectFrom('audit_events')
    .select('id')
    .where('id', 'not in', db.selectFrom('audit_seals').select('event_id'))
    .execute();

/**
 * Seals until every committed event is chained. Transaction ids are shared
 * by every database on a server, so another database's open transaction
 * (a parallel test file) holds the sealer back for a moment.
 */
async function sealAll(db: Kysely<Schema>, key = KEY) {
  for (let tries = 0; tries < 300; tries++) {
    await sealAudit(db, key);
    if ((await unsealed(db)).length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the sealer made no progress for 15 s');
}

let database: TestDatabase;
const db = () => database.db;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database.close());

describe('append-only', () => {
  beforeAll(async () => {
    await event(db(), 'kept');
    await sealAll(db());
  });

  it.each([
    ['UPDATE', sql`update audit_events set action = 'delete'`],
    ['DELETE', sql`delete from audit_events`],
    ['TRUNCATE', sql`truncate audit_events cascade`],
    ['UPDATE of a seal', sql`update audit_seals set hash = 'x'`],
    ['DELETE of a seal', sql`delete from audit_seals`],
  ])('refuses %s', async (_, statement) => {
    await expect(statement.execute(db())).rejects.toThrow(/append-only/);
    const rows = await db().selectFrom('audit_events').select('resource_id').execute();
    expect(rows.map((r) => r.resource_id)).toContain('kept');
  });

  it('stamps the time itself: a row cannot be back-dated', async () => {
    await db()
      .insertInto('audit_events')
      .values({ action: 'view', outcome: 'success', occurred_at: new Date('2001-01-01') })
      .execute();
    const row = await db()
      .selectFrom('audit_events')
      .select('occurred_at')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row.occurred_at.getUTCFullYear()).toBeGreaterThan(2001);
  });
});

describe('sealer', () => {
  it('chains committed rows once, in order, and verifies', async () => {
    await event(db(), 'a');
    await event(db(), 'b');
    await sealAll(db());
    expect((await sealAudit(db(), KEY)).sealed).toBe(0);
    const seals = await db().selectFrom('audit_seals').selectAll().orderBy('seq').execute();
    seals.forEach((s, i) => {
      expect(s.seq).toBe(i + 1);
      if (i > 0) expect(s.prev_hash).toBe(seals[i - 1]?.hash);
    });
    expect(await verifyAudit(db(), KEY)).toMatchObject({ ok: true, problems: [], notes: [] });
  });

  it('runs in the background until stopped, logging each new head as an anchor', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const sealer = startSealer(db(), logger, KEY, 20);
    try {
      await event(db(), 'background');
      for (let tries = 0; tries < 300 && (await unsealed(db())).length > 0; tries++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await unsealed(db())).toEqual([]);
    } finally {
      await sealer.stop();
    }
    const head = await db()
      .selectFrom('audit_seals')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    const anchors = lines
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'audit chain head' && l.level === 30);
    expect(anchors.at(-1)).toMatchObject({
      seq: Number(head.seq),
      hash: head.hash,
      head: formatHead({ seq: Number(head.seq), hash: head.hash }),
    });
  });

  if (serverUrl) {
    it('skips a transaction still open, then seals it before later ones', async () => {
      const other = new pg.Client({ connectionString: database.url });
      await other.connect();
      try {
        await other.query('begin');
        await other.query(
          "insert into audit_events (action, outcome, resource_id) values ('view', 'success', 'early')",
        );
        await event(db(), 'late'); // commits while 'early' is still open
        await sealAudit(db(), KEY);
        const sealed = () =>
          db()
            .selectFrom('audit_seals as s')
            .innerJoin('audit_events as e', 'e.id', 's.event_id')
            .select(['e.resource_id', 's.seq'])
            .where('e.resource_id', 'in', ['early', 'late'])
            .orderBy('s.seq')
            .execute();
        // 'late' must wait: sealing it now would put 'early' after it, out of order.
        expect(await sealed()).toEqual([]);
        await other.query('commit');
        await sealAll(db());
        expect((await sealed()).map((r) => r.resource_id)).toEqual(['early', 'late']);
        expect((await verifyAudit(db(), KEY)).ok).toBe(true);
      } finally {
        await other.end();
      }
    });
  } else {
    // PGlite has one connection: a second transaction cannot be open while
    // the sealer runs, so interleaving is tested on PostgreSQL only (CI runs both).
    it('seals every committed row on the single embedded connection', async () => {
      await event(db(), 'single');
      await sealAll(db());
      expect((await verifyAudit(db(), KEY, { maxLagSeconds: 0 })).ok).toBe(true);
    });
  }
});

/** A database on disk (or on the server), so the CLI can open it after us. */
async function sharedDatabase(): Promise<{
  env: Record<string, string>;
  open(): Promise<Database>;
}> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-audit-'));
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = { DATA_DIR: dataDir };
  if (serverUrl) {
    const server = await createServerDatabase();
    cleanups.push(server.drop);
    env.DATABASE_URL = server.url;
  }
  return { env, open: () => openDatabase({ databaseUrl: env.DATABASE_URL, dataDir }) };
}
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function verifyCli(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ['src/main.ts', 'audit', 'verify', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

/** Writes and seals three events, then lets `tamper` change the database with the triggers off. */
async function tampered(
  tamper: (db: Kysely<Schema>, ids: number[]) => Promise<void>,
  options: { expectHead?: boolean } = {},
) {
  const shared = await sharedDatabase();
  const database = await shared.open();
  try {
    await migrate(database);
    for (const id of ['one', 'two', 'three']) await event(database.db, id);
    await sealAll(database.db);
    const ids = (
      await database.db.selectFrom('audit_events').select('id').orderBy('id').execute()
    ).map((r) => Number(r.id));
    const head = (await verifyAudit(database.db, KEY)).head;
    if (!head) throw new Error('nothing sealed');
    await sql`drop trigger audit_events_append_only on audit_events`.execute(database.db);
    await sql`drop trigger audit_seals_append_only on audit_seals`.execute(database.db);
    await tamper(database.db, ids);
    const report = await verifyAudit(database.db, KEY, {
      expectHeads: options.expectHead ? [head] : [],
    });
    return { env: shared.env, ids, head, report };
  } finally {
    await database.close();
  }
}

/** Stands in for someone with the database but without ENCRYPTION_KEY. */
const FORGER_KEY = auditChainKey(randomBytes(32));

describe('portal audit verify', () => {
  it('reports an intact trail', { timeout: 60_000 }, async () => {
    const shared = await sharedDatabase();
    const database = await shared.open();
    try {
      await migrate(database);
      await event(database.db, 'fine');
      await sealAll(database.db);
    } finally {
      await database.close();
    }
    const result = await verifyCli(shared.env, ['--max-lag-seconds', '60']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Audit trail intact: 1 events sealed/);
  });

  it('names a row whose action was altered', { timeout: 60_000 }, async () => {
    const { env, ids, report } = await tampered(async (db, [, second]) => {
      await db
        .updateTable('audit_events')
        .set({ action: 'delete' })
        .where('id', '=', second as number)
        .execute();
    });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toBe(`audit event ${ids[1]} (seal 2) was altered`);
    const result = await verifyCli(env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`audit event ${ids[1]} (seal 2) was altered`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('names a deleted row', { timeout: 60_000 }, async () => {
    const { env, ids, report } = await tampered(async (db, [first]) => {
      await sql`alter table audit_seals drop constraint audit_seals_event_id_fkey`.execute(db);
      await db
        .deleteFrom('audit_events')
        .where('id', '=', first as number)
        .execute();
    });
    expect(report.problems[0]).toBe(`audit event ${ids[0]} (seal 1) was deleted`);
    const result = await verifyCli(env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`audit event ${ids[0]} (seal 1) was deleted`);
  });

  it('names an edited row that was re-sealed without the key', { timeout: 60_000 }, async () => {
    const { env, ids, report } = await tampered(async (db, [, second]) => {
      await db
        .updateTable('audit_events')
        .set({ action: 'delete' })
        .where('id', '=', second as number)
        .execute();
      // Drop the seals from the edit on and run the sealer again: with an
      // unkeyed hash the chain would be whole again.
      await db.deleteFrom('audit_seals').where('seq', '>=', 2).execute();
      await sealAll(db, FORGER_KEY);
      expect(await db.selectFrom('audit_seals').select('seq').execute()).toHaveLength(3);
    });
    expect(report.problems[0]).toBe(`audit event ${ids[1]} (seal 2) was altered`);
    const result = await verifyCli(env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`audit event ${ids[1]} (seal 2) was altered`);
  });

  it('names a row inserted into the sealed range', { timeout: 60_000 }, async () => {
    let inserted = 0;
    const { env, report } = await tampered(async (db, [first]) => {
      // With the stamp off, a row can claim the transaction of an early event.
      await sql`alter table audit_events disable trigger audit_events_stamp`.execute(db);
      const row = await db
        .insertInto('audit_events')
        .values({
          action: 'view',
          outcome: 'success',
          resource_id: 'slipped-in',
          xact_id: sql<string>`(select xact_id from audit_events where id = ${first})`,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      inserted = Number(row.id);
    });
    expect(report.problems).toEqual([`audit event ${inserted} was inserted into the sealed trail`]);
    const result = await verifyCli(env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`audit event ${inserted} was inserted into the sealed trail`);
  });

  it('catches events deleted from the end, given a head from the log', {
    timeout: 60_000,
  }, async () => {
    const { env, head, report } = await tampered(
      async (db, [, , third]) => {
        await sql`alter table audit_seals drop constraint audit_seals_event_id_fkey`.execute(db);
        await db
          .deleteFrom('audit_seals')
          .where('event_id', '=', third as number)
          .execute();
        await db
          .deleteFrom('audit_events')
          .where('id', '=', third as number)
          .execute();
        // Without an anchor the shorter chain is whole.
        expect((await verifyAudit(db, KEY)).ok).toBe(true);
      },
      { expectHead: true },
    );
    expect(report.problems).toEqual([
      "seal 3 was logged as the chain's head but the chain ends at seal 2: sealed events were deleted",
    ]);
    expect((await verifyCli(env)).code).toBe(0);
    const result = await verifyCli(env, ['--expect-head', formatHead(head)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('seal 3 was logged as the chain');
  });

  it('refuses a head that is not <seq>:<hash>', async () => {
    const result = await verifyCli({ DATA_DIR: os.tmpdir() }, ['--expect-head', '3:abc']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--expect-head must be <seq>:<hash>/);
  });
});

describe('eras', () => {
  const at = (era: number, xact: number, id: number) => ({ era, xact: BigInt(xact), id });

  it('order the chain by era, then transaction, then id', () => {
    const sorted = [at(0, 900, 1), at(0, 900, 2), at(0, 901, 3), at(1, 5, 4), at(1, 6, 0)];
    const shuffled = [sorted[3], sorted[0], sorted[4], sorted[2], sorted[1]] as typeof sorted;
    expect([...shuffled].sort(chainOrder)).toEqual(sorted);
    expect(chainOrder(at(0, 1, 1), at(0, 1, 1))).toBe(0);
  });

  it('start a new one when the head is not below the oldest running transaction', () => {
    expect(nextEra(undefined, { xmin: 10n })).toEqual({ era: 0, restored: false });
    expect(nextEra({ era: 0, xact: 9n }, { xmin: 10n })).toEqual({ era: 0, restored: false });
    expect(nextEra({ era: 2, xact: 10n }, { xmin: 10n })).toEqual({ era: 3, restored: true });
    expect(nextEra({ era: 0, xact: 5_000_000_000n }, { xmin: 800n })).toEqual({
      era: 1,
      restored: true,
    });
  });

  it('carry sealing on after a restore into a cluster with lower transaction ids', async () => {
    const own = await testDatabase();
    try {
      const d = own.db;
      await event(d, 'before');
      await sealAll(d);
      // The old cluster's last events: one it sealed, one it had not sealed
      // yet when the dump was taken. Their transaction ids are far above ours.
      await sql`alter table audit_events disable trigger audit_events_stamp`.execute(d);
      for (const [resource, xact] of [
        ['old-sealed', '5000000000'],
        ['old-unsealed', '5000000001'],
      ] as const)
        await d
          .insertInto('audit_events')
          .values({ action: 'view', outcome: 'success', resource_id: resource, xact_id: xact })
          .execute();
      await sql`alter table audit_events enable trigger audit_events_stamp`.execute(d);
      const head = await d
        .selectFrom('audit_seals')
        .selectAll()
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      const oldSealed = await canonical(d)
        .where('e.resource_id', '=', 'old-sealed')
        .executeTakeFirstOrThrow();
      await d
        .insertInto('audit_seals')
        .values({
          seq: Number(head.seq) + 1,
          event_id: Number(oldSealed.id),
          prev_hash: head.hash,
          hash: linkHash(KEY, head.hash, 0, oldSealed.text),
        })
        .execute();
      // This cluster's own events sort below that head.
      await event(d, 'after-restore');
      const restored = await verifyAudit(d, KEY);
      expect(restored).toMatchObject({ ok: true, problems: [] });
      expect(restored.notes[0]).toMatch(/restarted below the sealed head.*era 1/);

      await sealAll(d);
      await event(d, 'later');
      await sealAll(d);
      const chain = await d
        .selectFrom('audit_seals as s')
        .innerJoin('audit_events as e', 'e.id', 's.event_id')
        .select(['e.resource_id', 's.era'])
        .orderBy('s.seq')
        .execute();
      expect(chain).toEqual([
        { resource_id: 'before', era: 0 },
        { resource_id: 'old-sealed', era: 0 },
        { resource_id: 'old-unsealed', era: 0 },
        { resource_id: 'after-restore', era: 1 },
        { resource_id: 'later', era: 1 },
      ]);
      expect(await verifyAudit(d, KEY, { maxLagSeconds: 0 })).toMatchObject({
        ok: true,
        problems: [],
        notes: [],
        head: { era: 1 },
      });

      // Inside the new era an inserted row is still named.
      await sql`alter table audit_events disable trigger audit_events_stamp`.execute(d);
      const slipped = await d
        .insertInto('audit_events')
        .values({
          action: 'view',
          outcome: 'success',
          xact_id: sql<string>`(select xact_id from audit_events where resource_id = 'after-restore')`,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      expect((await verifyAudit(d, KEY)).problems).toEqual([
        `audit event ${slipped.id} was inserted into the sealed trail`,
      ]);
    } finally {
      await own.close();
    }
  });
});
