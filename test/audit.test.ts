// The audit trail is append-only (the database refuses UPDATE, DELETE and
// TRUNCATE) and hash-chained by the sealer, which seals only committed rows
// in commit-safe order; `portal audit verify` names an altered or deleted row.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSealer } from '../src/modules/compliance/sealer.ts';
import { audit, SYSTEM_SOURCE } from '../src/platform/audit/audit.ts';
import { sealAudit, verifyAudit } from '../src/platform/audit/chain.ts';
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
async function sealAll(db: Kysely<Schema>) {
  for (let tries = 0; tries < 300; tries++) {
    await sealAudit(db);
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
    expect(await sealAudit(db())).toBe(0);
    const seals = await db().selectFrom('audit_seals').selectAll().orderBy('seq').execute();
    seals.forEach((s, i) => {
      expect(s.seq).toBe(i + 1);
      if (i > 0) expect(s.prev_hash).toBe(seals[i - 1]?.hash);
    });
    expect(await verifyAudit(db())).toMatchObject({ ok: true, problems: [] });
  });

  it('runs in the background until stopped', async () => {
    const sealer = startSealer(db(), pino({ level: 'silent' }), 20);
    try {
      await event(db(), 'background');
      for (let tries = 0; tries < 300 && (await unsealed(db())).length > 0; tries++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await unsealed(db())).toEqual([]);
    } finally {
      await sealer.stop();
    }
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
        await sealAudit(db());
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
        expect((await verifyAudit(db())).ok).toBe(true);
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
      expect((await verifyAudit(db(), 0)).ok).toBe(true);
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

/** Writes and seals three events, then lets `tamper` change the database with the trigger off. */
async function tampered(tamper: (db: Kysely<Schema>, ids: number[]) => Promise<void>) {
  const shared = await sharedDatabase();
  const database = await shared.open();
  try {
    await migrate(database);
    for (const id of ['one', 'two', 'three']) await event(database.db, id);
    await sealAll(database.db);
    const ids = (
      await database.db.selectFrom('audit_events').select('id').orderBy('id').execute()
    ).map((r) => Number(r.id));
    await sql`drop trigger audit_events_append_only on audit_events`.execute(database.db);
    await tamper(database.db, ids);
    return { env: shared.env, ids, report: await verifyAudit(database.db) };
  } finally {
    await database.close();
  }
}

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
});
