// Automatic logoff, client side. The server ends a session `idle` after the
// last request that counted as activity; this mirrors that deadline so the
// app can warn two minutes before and sign out at zero. Key presses and
// pointer use count as activity, but reach the server at most once a minute
// (a keep-alive), so the deadline here follows the server's, never runs ahead.
// Pure: time is passed in, so it can be tested without waiting.

export const WARNING_MS = 2 * 60_000;
export const PING_INTERVAL_MS = 60_000;

export type IdlePhase = 'active' | 'warning' | 'expired';

export class IdleTracker {
  readonly idleMs: number;
  /** When the server will end the session unless it hears from us. */
  deadline: number;
  /** Start of the last request the server counted. */
  lastPing: number;
  /** Last key press or pointer use here. */
  lastActivity: number;

  constructor(idleMinutes: number, now: number) {
    this.idleMs = idleMinutes * 60_000;
    this.deadline = now + this.idleMs;
    this.lastPing = now;
    this.lastActivity = now;
  }

  /**
   * The server counted a request that started at `startedAt`. The guard may
   * skip writing last_seen when it wrote it under 15 s before, so a request
   * moves the deadline only from 15 s before it started (the keep-alive
   * always writes it; `exact` says so).
   */
  touched(startedAt: number, exact = false): void {
    const seen = exact ? startedAt : startedAt - 15_000;
    this.lastPing = Math.max(this.lastPing, startedAt);
    this.deadline = Math.max(this.deadline, seen + this.idleMs);
  }

  /** The user pressed a key or used the pointer. Ignored once the warning shows. */
  active(now: number): void {
    if (this.phase(now) === 'active') this.lastActivity = Math.max(this.lastActivity, now);
  }

  /** True when there was activity the server has not heard of, and a ping is allowed now. */
  pingDue(now: number): boolean {
    return (
      this.phase(now) === 'active' &&
      this.lastActivity > this.lastPing &&
      now - this.lastPing >= PING_INTERVAL_MS
    );
  }

  phase(now: number): IdlePhase {
    if (now >= this.deadline) return 'expired';
    if (now >= this.deadline - WARNING_MS) return 'warning';
    return 'active';
  }

  msLeft(now: number): number {
    return Math.max(0, this.deadline - now);
  }
}
