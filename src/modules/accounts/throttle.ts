// Sign-in throttling, kept in the database so every instance shares it.
// Every attempt is reserved on its counters before the password or code is
// checked (see reserveAttempt), so parallel requests cannot outrun the count.
// Per account (the e-mail typed, whether or not an account has it, so a lock
// reveals nothing): after 5 failures in a row the account locks for 1
// minute, then 2, 4, 8 … up to 60. Per IP (IPv6 by its /64): 50 failures
// within 15 minutes lock the address for 15 minutes. Attempts during a lock are refused
// without checking the password, and do not lengthen the lock, so nobody
// can keep a patient out for long by typing wrong passwords for them.
import { isIPv6 } from 'node:net';
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
export const ipKey = (ip: string) => `ip:${addressBlock(ip)}`;

/**
 * The block one client controls: an IPv4 address as is, an IPv6 address by
 * its /64 (one home or host usually holds a whole /64, and could otherwise
 * take a fresh address for every guess). `::ffff:1.2.3.4` is IPv4.
 */
function addressBlock(ip: string): string {
  const bare = ip.split('%')[0] ?? ip; // no zone (fe80::1%eth0)
  if (!isIPv6(bare)) return bare;
  const groups = ipv6Groups(bare);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return groups
      .slice(6)
      .flatMap((g) => [g >> 8, g & 0xff])
      .join('.');
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address. */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (p: string) => (p ? p.split(':') : []);
  const gap = 8 - part(head).length - (tail === undefined ? 0 : part(tail).length);
  const all = [...part(head), ...Array<string>(tail === undefined ? 0 : gap).fill('0')];
  if (tail !== undefined) all.push(...part(tail));
  return all.map((g) => Number.parseInt(g, 16));
}

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

/** One attempt held on a counter: counted as a failure until given back. */
interface Held {
  scope: 'account' | 'ip';
  key: string;
  failures: number;
  /** The lock this attempt started in advance (it is the last one allowed before it). */
  lockedUntil: Date | null;
}

/** The attempts an answer holds on its e-mail (if any) and IP counters. */
export interface Reservation {
  email: string | null;
  held: Held[];
}

export type ReserveResult = { ok: true; reservation: Reservation } | { ok: false; until: Date };

/**
 * Reserves one attempt on the e-mail's and the IP's counters before the
 * password or code is checked, so parallel guesses cannot all be judged
 * before the first failure counts. Each reservation counts as a failure at
 * once; one that reaches the limit starts the lock at once (the attempt
 * itself still goes ahead). A locked counter takes no reservation: the
 * attempt is refused, and the lock is not lengthened. Commits at once.
 */
export async function reserveAttempt(
  db: Db,
  email: string | null,
  ip: string,
): Promise<ReserveResult> {
  const keys = [...(email === null ? [] : [accountKey(email)]), ipKey(ip)];
  for (let tries = 0; tries < 3; tries += 1) {
    const held: Held[] = [];
    const account = email === null ? null : await holdAccount(db, email);
    if (account !== null) held.push(account);
    const ipHeld = email !== null && account === null ? null : await holdIp(db, ip);
    if (ipHeld !== null) held.push(ipHeld);
    if (held.length === keys.length) return { ok: true, reservation: { email, held } };
    await releaseAttempt(db, { email, held });
    const until = await lockedUntil(db, keys);
    if (until) return { ok: false, until };
    // The lock ended between the two statements: try again.
  }
  throw new Error('sign-in throttle: no reservation after three tries');
}

async function holdAccount(db: Db, email: string): Promise<Held | null> {
  const now = new Date();
  const forgotten = new Date(now.getTime() - STREAK_HOURS * 3_600_000);
  const failures = sql<number>`(case when sign_in_throttle.last_failure_at < ${forgotten} then 1
    else sign_in_throttle.failures + 1 end)`;
  const lockMinutes = sql`least(power(2, ${failures} - ${FREE_FAILURES}), ${MAX_ACCOUNT_LOCK_MINUTES})::int`;
  const first = accountLockMinutes(1);
  const row = await db
    .insertInto('sign_in_throttle')
    .values({
      key: accountKey(email),
      failures: 1,
      last_failure_at: now,
      locked_until: first ? new Date(now.getTime() + first * 60_000) : null,
    })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({
          failures,
          last_failure_at: now,
          locked_until: sql`case when ${failures} >= ${FREE_FAILURES}
            then cast(${now} as timestamptz) + make_interval(mins => ${lockMinutes}) end`,
        })
        .where(notLocked(now)),
    )
    .returning(['key', 'failures', 'locked_until'])
    .executeTakeFirst();
  return row ? { scope: 'account', ...held(row) } : null;
}

async function holdIp(db: Db, ip: string): Promise<Held | null> {
  const now = new Date();
  // A window starts afresh after 15 minutes, or once a lock has run out.
  const stale = sql<boolean>`(sign_in_throttle.window_started_at < ${new Date(now.getTime() - IP_WINDOW_MINUTES * 60_000)}
    or sign_in_throttle.locked_until <= ${now})`;
  const failures = sql<number>`(case when ${stale} then 1 else sign_in_throttle.failures + 1 end)`;
  const row = await db
    .insertInto('sign_in_throttle')
    .values({ key: ipKey(ip), failures: 1, last_failure_at: now, window_started_at: now })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({
          failures,
          window_started_at: sql`case when ${stale} then ${now} else sign_in_throttle.window_started_at end`,
          last_failure_at: now,
          locked_until: sql`case when ${failures} >= ${IP_MAX_FAILURES}
            then cast(${now} as timestamptz) + make_interval(mins => ${IP_LOCK_MINUTES}) end`,
        })
        .where(notLocked(now)),
    )
    .returning(['key', 'failures', 'locked_until'])
    .executeTakeFirst();
  return row ? { scope: 'ip', ...held(row) } : null;
}

const notLocked = (now: Date) =>
  sql<boolean>`sign_in_throttle.locked_until is null or sign_in_throttle.locked_until <= ${now}`;

const held = (row: { key: string; failures: number; locked_until: Date | null }) => ({
  key: row.key,
  failures: row.failures,
  lockedUntil: row.locked_until ? new Date(row.locked_until) : null,
});

/**
 * The attempt succeeded (or was never made): its reservations are given
 * back, and a lock it started in advance is lifted.
 */
export async function releaseAttempt(db: Db, reservation: Reservation) {
  for (const h of reservation.held) {
    await db
      .updateTable('sign_in_throttle')
      .set((eb) => ({ failures: sql`greatest(${eb.ref('failures')} - 1, 0)` }))
      .where('key', '=', h.key)
      .execute();
    if (h.lockedUntil)
      await db
        .updateTable('sign_in_throttle')
        .set({ locked_until: null })
        .where('key', '=', h.key)
        .where('locked_until', '=', h.lockedUntil)
        .execute();
    // A counter back at nothing keeps no e-mail or address around.
    await db
      .deleteFrom('sign_in_throttle')
      .where('key', '=', h.key)
      .where('failures', '=', 0)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', new Date())]))
      .execute();
  }
}

/**
 * The attempt failed: it stays counted. Mirrors the account's count and
 * lock on the account (where staff see and clear them) and returns the
 * locks this failure started. Call it in the transaction that audits it.
 */
export async function recordFailure(db: Db, reservation: Reservation): Promise<Lockout[]> {
  const account = reservation.held.find((h) => h.scope === 'account');
  if (account && reservation.email !== null)
    await db
      .updateTable('users')
      .set({
        failed_sign_ins: account.failures,
        ...(account.lockedUntil ? { locked_until: account.lockedUntil } : {}),
      })
      .where('email', '=', reservation.email.trim().toLowerCase())
      .execute();
  return reservation.held.flatMap((h) =>
    h.lockedUntil ? [{ scope: h.scope, until: h.lockedUntil, failures: h.failures }] : [],
  );
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
