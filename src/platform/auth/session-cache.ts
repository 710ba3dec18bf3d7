// Signed-in sessions kept in memory for a few seconds, so most requests do
// not read theirs from the database: that read was a third of a booking's
// round trips (bench/RESULTS.md). It stays right because every change to what
// a session may do is heard at once (../db/session-changes.ts): the user's
// entries are forgotten, and a read under way at that moment is not kept.
// An entry is trusted for half to all of `ttlMs`, and nothing is kept while the
// notices cannot be heard.
import type { SessionChange, SessionWatcher } from '../db/session-changes.ts';
import type { SessionUser } from './context.ts';
import { type SessionRow, sessionExpiry } from './sessions.ts';

export interface SignedIn {
  session: SessionRow;
  user: SessionUser;
}

/** Beyond this many, start again: a sweep would cost more than the reads it saves. */
const MOST_ENTRIES = 20_000;

export class SessionCache implements SessionWatcher {
  hits = 0;
  misses = 0;
  private readonly entries = new Map<string, { found: SignedIn; until: number }>();
  /** Moves on every change heard, so a read that overlapped one is not kept. */
  private generation = 0;
  private heard = false;

  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(ttlMs: number, now: () => number = Date.now) {
    this.ttlMs = ttlMs;
    this.now = now;
  }

  /** The open session a token hash names, with its user: from memory when fresh, else `read`. */
  async find(
    tokenHash: string,
    read: () => Promise<SignedIn | undefined>,
  ): Promise<SignedIn | undefined> {
    const kept = this.entries.get(tokenHash);
    // A session that looks over is read again: another instance may have seen its user since.
    if (kept && this.now() < kept.until && !sessionExpiry(kept.found.session)) {
      this.hits++;
      return copy(kept.found);
    }
    this.misses++;
    this.entries.delete(tokenHash);
    const generation = this.generation;
    const found = await read();
    if (found && this.heard && generation === this.generation) {
      if (this.entries.size >= MOST_ENTRIES) this.entries.clear();
      // Half to all of the lifetime, so sessions seen together are not all read again together.
      const until = this.now() + this.ttlMs * (0.5 + Math.random() / 2);
      this.entries.set(tokenHash, { found: copy(found), until });
    }
    return found;
  }

  /** The session's idle clock was moved in the database. */
  touched(tokenHash: string, at: Date) {
    const kept = this.entries.get(tokenHash);
    if (kept) kept.found.session.last_seen_at = at;
  }

  changed(who: SessionChange | null) {
    this.generation++;
    if (who === null) return this.entries.clear();
    for (const [key, { found }] of this.entries)
      if (
        who.userId === found.user.id ||
        who.sessionId === found.session.id ||
        who.email === found.user.email
      )
        this.entries.delete(key);
  }

  hearing(ok: boolean) {
    this.generation++;
    this.heard = ok;
    this.entries.clear();
  }
}

/** Each request gets its own session object to change (its idle clock, acting for). */
const copy = (s: SignedIn): SignedIn => ({ session: { ...s.session }, user: s.user });
