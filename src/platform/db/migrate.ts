// Versioned, forward-only migrations: numbered .sql files in ./migrations,
// applied in order inside one transaction under an advisory lock, so several
// instances starting together apply each file exactly once.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { UserError } from '../errors.ts';
import type { Database } from './database.ts';

const DIR = path.join(import.meta.dirname, 'migrations');
const LOCK_KEY = 7_401_226; // any constant shared by all instances

export interface Migration {
  version: string;
  name: string;
  checksum: string;
  text: string;
}

export function migrationFiles(): Migration[] {
  return fs
    .readdirSync(DIR)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = fs.readFileSync(path.join(DIR, file), 'utf8');
      return {
        version: file.slice(0, 4),
        name: file.slice(5, -4),
        checksum: createHash('sha256').update(text).digest('hex'),
        text,
      };
    });
}

const ensureTable = sql`
  create table if not exists schema_migrations (
    version text primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`;

/** Applies pending migrations; returns the versions applied now. */
export async function migrate(database: Database): Promise<string[]> {
  const files = migrationFiles();
  return database.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
    await ensureTable.execute(trx);
    const applied = await trx.selectFrom('schema_migrations').selectAll().execute();
    checkHistory(files, applied);
    const done = new Set(applied.map((m) => m.version));
    const pending = files.filter((f) => !done.has(f.version));
    for (const m of pending) {
      await sql.raw(m.text).execute(trx);
      await trx
        .insertInto('schema_migrations')
        .values({ version: m.version, name: m.name, checksum: m.checksum })
        .execute();
    }
    return pending.map((m) => m.version);
  });
}

/** Versions in the code that the database has not applied yet. */
export async function pendingMigrations(database: Database): Promise<string[]> {
  const { rows } = await sql<{
    t: string | null;
  }>`select to_regclass('schema_migrations')::text as t`.execute(database.db);
  if (!rows[0]?.t) return migrationFiles().map((f) => f.version);
  const applied = await database.db.selectFrom('schema_migrations').select('version').execute();
  const done = new Set(applied.map((m) => m.version));
  return migrationFiles()
    .filter((f) => !done.has(f.version))
    .map((f) => f.version);
}

/** Forward-only: an applied file may not change or disappear. */
function checkHistory(files: Migration[], applied: { version: string; checksum: string }[]) {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const a of applied) {
    const file = byVersion.get(a.version);
    if (!file)
      throw new UserError(
        `Migration ${a.version} is applied to the database but missing from this build; run a newer build.`,
      );
    if (file.checksum !== a.checksum)
      throw new UserError(
        `Migration ${a.version}_${file.name} was edited after it was applied; add a new migration instead.`,
      );
  }
}
