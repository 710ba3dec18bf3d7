// A Kysely dialect for embedded PGlite. PGlite is one connection, so a mutex
// hands it to one user at a time: a transaction holds it from BEGIN to COMMIT
// and nothing else (another request, a pg-boss poll) can slip statements in.
import type { PGliteInterface as PGlite, Results } from '@electric-sql/pglite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely';
import { parsers } from './parsers.ts';

export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /** Resolves with a release function once every earlier holder has released. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return ready;
  }
}

/** Runs SQL on PGlite; without parameters it may hold several statements. */
export async function runOnPglite(pglite: PGlite, text: string, values?: readonly unknown[]) {
  // Parsers go with each call: a clone() of an instance does not keep its options.
  if (values && values.length > 0) return [await pglite.query(text, [...values], { parsers })];
  return pglite.exec(text, { parsers });
}

class PgliteConnection implements DatabaseConnection {
  readonly pglite: PGlite;
  constructor(pglite: PGlite) {
    this.pglite = pglite;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const results = (await runOnPglite(this.pglite, query.sql, query.parameters)) as Results<R>[];
    const last = results.at(-1);
    const affected = last?.affectedRows;
    const command = (last as { command?: string } | undefined)?.command;
    const writes = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'];
    return {
      rows: last?.rows ?? [],
      numAffectedRows:
        command && writes.includes(command) && affected !== undefined
          ? BigInt(affected)
          : undefined,
    };
  }

  // biome-ignore lint/correctness/useYield: PGlite cannot stream; Kysely requires the method.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('The embedded database does not support streaming queries.');
  }
}

class PgliteDriver implements Driver {
  readonly #releases = new WeakMap<DatabaseConnection, () => void>();
  readonly #connection: PgliteConnection;

  readonly mutex: Mutex;
  constructor(pglite: PGlite, mutex: Mutex) {
    this.#connection = new PgliteConnection(pglite);
    this.mutex = mutex;
  }

  async init() {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.mutex.acquire();
    // Kysely sees one connection object per acquisition so releases pair up.
    const connection = Object.create(this.#connection) as PgliteConnection;
    this.#releases.set(connection, release);
    return connection;
  }

  async releaseConnection(connection: DatabaseConnection) {
    this.#releases.get(connection)?.();
    this.#releases.delete(connection);
  }

  async beginTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('BEGIN'));
  }

  async commitTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('COMMIT'));
  }

  async rollbackTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('ROLLBACK'));
  }

  async destroy() {
    // The owner of the PGlite instance closes it (see database.ts).
  }
}

export class PgliteDialect implements Dialect {
  readonly pglite: PGlite;
  readonly mutex: Mutex;
  constructor(pglite: PGlite, mutex: Mutex) {
    this.pglite = pglite;
    this.mutex = mutex;
  }
  createAdapter = () => new PostgresAdapter();
  createDriver = () => new PgliteDriver(this.pglite, this.mutex);
  createQueryCompiler = () => new PostgresQueryCompiler();
  createIntrospector = (db: Parameters<Dialect['createIntrospector']>[0]) =>
    new PostgresIntrospector(db);
}
