// Sign-in throttling, kept in the database so every instance shares it.
// Per account (the e-mail typed, whether or not an account has it, so a lock
// reveals nothing): after 5 failures in a row the account locks for 1
// minute, then 2, 4, 8 … up to 60. Per IP: 50 failures within 15 minutes
// lock the address for 15 minutes. Attempts during a lock are refused
// without checking the password, and do not lengthen the lock, so nobody
// can keep a patient out for long by typing wrong passwords for them.
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';

type Db = Kysely<Schema>;

export const FREE_FAILURES = 5;
const MAX_ACCOUNT_LOCK_MINUTES = 60;
/** A streak of failures older than this is forgotten. */
const STREAK_HOURS = 24;
export const IP_MAX_FAILURES = 50;
const IP_WINDOW_MINUTES = 15;
const IP_LOCK_MINUTES = 15;

export const accountKey = (email: string) => `email:${email.trim().toLowerCase()}`;
export const ipKey = (ip: string) => `ip:${ip}`;

/** How long the account locks after its n-th failure in a row (0: not at all). */
export function accountLockMinutes(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(2 ** (failures - FREE_FAILURES), MAX_ACCOUNT_LOCK_MINUTES);
}

/** The end of the latest lock on any of the keys, if one is in force. */
export async function lockedUntil(db: Db, keys: string[]): Promise<Date | null> {
  const row = await db
    .selectFrom('sign_in_throttle')
    .select((eb) => eb.fn.max('locked_until').as('until'))
    .where('key', 'in', keys)
    .where('locked_until', '>', new Date())
    .executeTakeFirst();
  return row?.until ? new Date(row.until) : null;
}

export interface Lockout {
  scope: 'account' | 'ip';
  until: Date;
  failures: number;
}

/**
 * Counts one failed attempt for the e-mail (if any) and the IP; returns the
 * locks this failure starts. Call it in the transaction that audits it.
 */
export async function recordFailure(db: Db, email: string | null, ip: string): Promise<Lockout[]> {
  const locks: Lockout[] = [];
  if (email !== null) {
    const lock = await countAccountFailure(db, email);
    if (lock) locks.push(lock);
  }
  const lock = await countIpFailure(db, ip);
  if (lock) locks.push(lock);
  return locks;
}

async function countAccountFailure(db: Db, email: string): Promise<Lockout | null> {
  const now = new Date();
  const forgotten = new Date(now.getTime() - STREAK_HOURS * 3_600_000);
  const row = await db
    .insertInto('sign_in_throttle')
    .values({ key: accountKey(email), failures: 1, last_failure_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql`case when sign_in_throttle.last_failure_at < ${forgotten} then 1
          else sign_in_throttle.failures + 1 end`,
        last_failure_at: now,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  const minutes = accountLockMinutes(row.failures);
  const until = minutes ? new Date(now.getTime() + minutes * 60_000) : null;
  if (until)
    await db
      .updateTable('sign_in_throttle')
      .set({ locked_until: until })
      .where('key', '=', accountKey(email))
      .execute();
  // Mirrored on the account, where staff see and clear it.
  await db
    .updateTable('users')
    .set({ failed_sign_ins: row.failures, ...(until ? { locked_until: until } : {}) })
    .where('email', '=', email.trim().toLowerCase())
    .execute();
  return until ? { scope: 'account', until, failures: row.failures } : null;
}

async function countIpFailure(db: Db, ip: string): Promise<Lockout | null> {
  const now = new Date();
  const stale = sql<boolean>`sign_in_throttle.window_started_at < ${new Date(now.getTime() - IP_WINDOW_MINUTES * 60_000)}`;
  const row = await db
    .insertInto('sign_in_throttle')
    .values({ key: ipKey(ip), failures: 1, last_failure_at: now, window_started_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql`case when ${stale} then 1 else sign_in_throttle.failures + 1 end`,
        window_started_at: sql`case when ${stale} then ${now} else sign_in_throttle.window_started_at end`,
        last_failure_at: now,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  if (row.failures < IP_MAX_FAILURES) return null;
  const until = new Date(now.getTime() + IP_LOCK_MINUTES * 60_000);
  // The next failure after the lock starts a new window.
  await db
    .updateTable('sign_in_throttle')
    .set({ locked_until: until, window_started_at: new Date(0) })
    .where('key', '=', ipKey(ip))
    .execute();
  return { scope: 'ip', until, failures: row.failures };
}

/** A full sign-in proves the person: their streak of failures is over. */
export async function clearFailures(db: Db, email: string) {
  await db.deleteFrom('sign_in_throttle').where('key', '=', accountKey(email)).execute();
  await db
    .updateTable('users')
    .set({ failed_sign_ins: 0, locked_until: null })
    .where('email', '=', email.trim().toLowerCase())
    .where((eb) => eb.or([eb('failed_sign_ins', '!=', 0), eb('locked_until', 'is not', null)]))
    .execute();
}

/**
 * Drops counters that no longer count (a streak is forgotten after a day):
 * they hold the e-mail addresses people typed. For a daily job.
 */
export async function forgetOldFailures(db: Db, now = new Date()): Promise<number> {
  const result = await db
    .deleteFrom('sign_in_throttle')
    .where('last_failure_at', '<', new Date(now.getTime() - STREAK_HOURS * 3_600_000))
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Staff unlock a locked account (the route audits it). */
export async function unlockAccount(db: Db, userId: string) {
  const user = await db
    .selectFrom('users')
    .select('email')
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user) return;
  await db.deleteFrom('sign_in_throttle').where('key', '=', accountKey(user.email)).execute();
  await db
    .updateTable('users')
    .set({ locked_until: null, failed_sign_ins: 0 })
    .where('id', '=', userId)
    .execute();
}

/** The refusal during a lock: the same for every e-mail, known or not. */
export function tooManyAttempts(until: Date): ApiError {
  // Shown to the minute, rounded up, so "after 14:33" is never too early.
  const shown = new Date(Math.ceil(until.getTime() / 60_000) * 60_000);
  const time = `${shown.toISOString().slice(11, 16)} UTC`;
  return new ApiError(429, 'too_many_attempts', `Too many attempts. Try again after ${time}.`, {
    retryAfter: new Date(Math.ceil(until.getTime() / 1000) * 1000).toISOString(),
  });
}

/** Seconds until the lock ends, for the Retry-After header. */
export const retryAfterSeconds = (until: Date) =>
  Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
