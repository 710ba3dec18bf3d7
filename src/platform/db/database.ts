// One way in to the database. Embedded (PGlite in DATA_DIR) and server
// (PostgreSQL at DATABASE_URL) differ only here; every query above this file
// is the same Kysely code on both.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { type Compilable, type CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type ConstructorOptions, fromPglite, type PGliteLike } from 'pg-boss';
import { UserError } from '../errors.ts';
import type { Listen } from './changes.ts';
import {
  OPEN_TIMES_CHANNEL,
  type OpenTimesChanges,
  openTimesChanges,
} from './open-times-changes.ts';
import { parsers } from './parsers.ts';
import { Mutex, PgliteDialect } from './pglite-dialect.ts';
import type { Schema } from './schema.ts';
import { SESSION_CHANGE_CHANNEL, type SessionChanges, sessionChanges } from './session-changes.ts';

export interface Database {
  kind: 'embedded' | 'postgres';
  db: Kysely<Schema>;
  /** How pg-boss reaches this same database. */
  jobStore: Pick<ConstructorOptions, 'connectionString' | 'db' | 'backend'>;
  /** Changes to who is signed in, for whoever keeps sessions in memory. */
  sessionChanges: SessionChanges;
  /** Changes to which times are open, for whoever keeps searches in memory. */
  openTimesChanges: OpenTimesChanges;
  close(): Promise<void>;
}

export async function openDatabase(options: {
  databaseUrl?: string;
  dataDir: string;
}): Promise<Database> {
  return options.databaseUrl
    ? openServer(options.databaseUrl)
    : openEmbedded(path.join(options.dataDir, 'pglite'));
}

async function openServer(url: string): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    Client: PreparingClient,
    application_name: 'patient-portal',
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        parsers[oid] ??
        pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // A lost idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  try {
    await pool.query('select 1');
  } catch (err) {
    await pool.end();
    throw new UserError(`Cannot connect to PostgreSQL at ${describeUrl(url)}: ${reason(err)}`);
  }
  const changes = {
    sessionChanges: sessionChanges(listenOnServer(url, SESSION_CHANGE_CHANNEL)),
    openTimesChanges: openTimesChanges(listenOnServer(url, OPEN_TIMES_CHANNEL)),
  };
  return {
    kind: 'postgres',
    db: new Kysely<Schema>({
      dialect: new PostgresDialect({ pool }),
      plugins: [changes.sessionChanges.plugin, changes.openTimesChanges.plugin],
    }),
    jobStore: { connectionString: url },
    ...changes,
    close: () => pool.end(),
  };
}

/**
 * Marks a hot statement (slot search, booking) to be prepared: PostgreSQL
 * plans it once per connection instead of on every call. Kysely's pg
 * dialect sends unnamed statements; this names the marked ones after their
 * text. PGlite ignores the mark (it is an SQL comment).
 */
export const PREPARED = '/* prepared */ ';

/** A query built with Kysely, marked to be prepared like a PREPARED `sql` text. */
export function prepared<R>(query: Compilable<R>): CompiledQuery<R> {
  const compiled = query.compile();
  return { ...compiled, sql: PREPARED + compiled.sql };
}

/** Statement names by text, so a hot statement is not hashed on every call. */
const preparedNames = new Map<string, string>();
const preparedName = (text: string) => {
  let name = preparedNames.get(text);
  if (!name) {
    name = `p${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return name;
};

class PreparingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query has a dozen overloads; this passes them all on.
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && config.startsWith(PREPARED)) {
      return super.query({ name: preparedName(config), text: config, values }, callback);
    }
    return super.query(config, values, callback);
  }
}

async function openEmbedded(dir: string): Promise<Database> {
  const unlock = lockDataDir(dir);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dir, { extensions: { btree_gist, citext } });
  } catch (err) {
    unlock();
    throw new UserError(`Cannot open the embedded database in ${dir}: ${reason(err)}`);
  }
  return embedded(pglite, unlock);
}

/** Wraps an open PGlite (tests pass a clone of a migrated template). */
export function embedded(pglite: PGliteInterface, onClose: () => void = () => {}): Database {
  const mutex = new Mutex();
  const changes = {
    sessionChanges: sessionChanges(listenEmbedded(pglite, mutex, SESSION_CHANGE_CHANNEL)),
    openTimesChanges: openTimesChanges(listenEmbedded(pglite, mutex, OPEN_TIMES_CHANNEL)),
  };
  const db = new Kysely<Schema>({
    dialect: new PgliteDialect(pglite, mutex),
    plugins: [changes.sessionChanges.plugin, changes.openTimesChanges.plugin],
  });
  return {
    kind: 'embedded',
    db,
    jobStore: { backend: 'pglite', db: fromPglite(lockedPglite(pglite, mutex)) },
    ...changes,
    async close() {
      const release = await mutex.acquire();
      try {
        await pglite.close();
      } finally {
        release();
        onClose();
      }
    },
  };
}

/**
 * pg-boss's PGlite adapter, with each statement taking the connection mutex.
 * A failed multi-statement block is rolled back before the connection is
 * handed on, so it cannot leave the next holder inside an aborted transaction.
 */
function lockedPglite(pglite: PGliteInterface, mutex: Mutex) {
  const locked =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const release = await mutex.acquire();
      try {
        return await fn(...args);
      } catch (err) {
        await pglite.exec('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        release();
      }
    };
  return {
    query: locked((text: string, params?: unknown[]) => pglite.query(text, params)),
    exec: locked((text: string) => pglite.exec(text)),
  } as PGliteLike;
}

export { btree_gist, citext, PGlite };

/** PGlite tells its listeners as the notifying statement commits; it cannot lose them. */
function listenEmbedded(pglite: PGliteInterface, mutex: Mutex, channel: string): Listen {
  return async (onNotice, onHearing) => {
    const release = await mutex.acquire();
    try {
      const unlisten = await pglite.listen(channel, onNotice);
      onHearing(true);
      return async () => {
        const again = await mutex.acquire();
        try {
          if (!pglite.closed) await unlisten();
        } finally {
          again();
        }
      };
    } finally {
      release();
    }
  };
}

const RELISTEN_MS = 1_000;

/**
 * A connection of its own that only listens, opened again a second after it
 * is lost; while it is down the watchers are told they cannot hear.
 */
function listenOnServer(url: string, channel: string): Listen {
  return async (onNotice, onHearing) => {
    let client: pg.Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const lost = (c: pg.Client) => {
      if (c !== client) return;
      client = undefined;
      onHearing(false);
      c.end().catch(() => {});
      if (!stopped) retry = setTimeout(connect, RELISTEN_MS).unref();
    };
    async function connect() {
      const c = new pg.Client({ connectionString: url, application_name: 'patient-portal-listen' });
      client = c;
      c.on('error', () => lost(c));
      c.on('end', () => lost(c));
      c.on('notification', (n) => n.payload && onNotice(n.payload));
      try {
        await c.connect();
        await c.query(`listen ${channel}`);
        if (c === client) onHearing(true);
      } catch {
        lost(c);
      }
    }
    await connect();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      onHearing(false);
      await c?.end().catch(() => {});
    };
  };
}

/** Two processes writing one PGlite folder would corrupt it: refuse the second. */
function lockDataDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '..', 'pglite.pid');
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
  } catch {
    const pid = Number(fs.readFileSync(lock, 'utf8'));
    if (pid && pid !== process.pid && alive(pid))
      throw new UserError(
        `The embedded database in ${dir} is in use by process ${pid}; stop it or set DATA_DIR.`,
      );
    fs.writeFileSync(lock, String(process.pid));
  }
  return () => fs.rmSync(lock, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  if (e.code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (e.code === 'ENOTFOUND') return 'host not found';
  if (e.code === '3D000') return 'the database does not exist';
  return (e.message || e.code || String(err)).split('\n')[0] ?? 'unknown error';
}
