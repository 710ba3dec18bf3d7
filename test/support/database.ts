// A fresh, migrated database for each test file: a clone of a migrated
// PGlite template by default, or a new database on the PostgreSQL server
// named by DATABASE_URL (so the same suite runs on both).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  btree_gist,
  citext,
  type Database,
  embedded,
  openDatabase,
  PGlite,
} from '../../src/platform/db/database.ts';
import { migrate } from '../../src/platform/db/migrate.ts';

export const serverUrl = process.env.DATABASE_URL;

let template: Promise<PGlite> | undefined;

async function migratedTemplate(): Promise<PGlite> {
  const pglite = await PGlite.create({ extensions: { btree_gist, citext } });
  await migrate(embedded(pglite));
  return pglite;
}

export interface TestDatabase extends Database {
  /** Connection URL on the server, when running there. */
  url?: string;
}

/** A migrated database of its own; close it in afterAll. */
export async function testDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  if (!serverUrl) {
    if (!migrated) return embedded(await PGlite.create({ extensions: { btree_gist, citext } }));
    template ??= migratedTemplate();
    return embedded(await (await template).clone());
  }
  const { url, drop } = await createServerDatabase();
  const database = await openDatabase({ databaseUrl: url, dataDir: '' });
  if (migrated) await migrate(database);
  return {
    ...database,
    url,
    async close() {
      await database.close();
      await drop();
    },
  };
}

/** An empty database on the server, dropped by `drop()`. */
export async function createServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!serverUrl) throw new Error('DATABASE_URL is not set');
  const name = `portal_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
