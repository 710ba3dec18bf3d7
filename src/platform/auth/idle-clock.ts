// A session's idle clock (last_seen_at) moves when its user does something.
// Writing it from each request made every read a write and a commit of its
// own; the moves are noted here and written together once a second, in one
// statement. A second's delay is nothing beside an idle timeout of minutes,
// and the clock only ever moves forward.
import type { FastifyBaseLogger } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { PREPARED } from '../db/database.ts';
import type { Schema } from '../db/schema.ts';

const EVERY_MS = 1_000;

/**
 * Moves sessions' idle clocks forward. Raw SQL, so the session-change plugin
 * (../db/session-changes.ts) does not take the tick for a change.
 */
export async function moveIdleClocks(db: Kysely<Schema>, seen: Map<string, Date>) {
  await sql`${sql.raw(PREPARED)}update sessions s
    set last_seen_at = greatest(s.last_seen_at, t.at)
    from unnest(${[...seen.keys()]}::uuid[], ${[...seen.values()]}::timestamptz[]) as t (id, at)
    where s.id = t.id`.execute(db);
}

export class IdleClock {
  private seen = new Map<string, Date>();
  private readonly timer: NodeJS.Timeout;
  private readonly db: Kysely<Schema>;
  private readonly log: FastifyBaseLogger;

  constructor(db: Kysely<Schema>, log: FastifyBaseLogger) {
    this.db = db;
    this.log = log;
    this.timer = setInterval(() => void this.write(), EVERY_MS).unref();
  }

  /** The session's user did something at `at`. */
  moved(sessionId: string, at: Date) {
    this.seen.set(sessionId, at);
  }

  /** Writes what was noted; kept for the next try when the database cannot take it. */
  async write() {
    if (this.seen.size === 0) return;
    const batch = this.seen;
    this.seen = new Map();
    try {
      await moveIdleClocks(this.db, batch);
    } catch (err) {
      for (const [id, at] of batch) if (!this.seen.has(id)) this.seen.set(id, at);
      this.log.warn(
        { err: { name: (err as Error)?.name }, sessions: batch.size },
        'idle clocks not written; will retry',
      );
    }
  }

  async stop() {
    clearInterval(this.timer);
    await this.write();
  }
}
