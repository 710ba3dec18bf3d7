// Signing in: the password step, the second factor, and the session each
// one starts or completes. An unknown e-mail and a wrong password get the
// same answer after the same work; every failure and lock is audited.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import { type AuditSource, audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import {
  createSession,
  endSession,
  idleMinutesFor,
  rotateSession,
  sessionCookieName,
  sessionCookieOptions,
} from '../../platform/auth/sessions.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import {
  challengeMethods,
  type Factors,
  factorsOf,
  isStaff,
  type SecondFactor,
} from './factors.ts';
import { checkPassword } from './passwords.ts';
import type { Role } from './tables.ts';
import {
  clearFailures,
  type Lockout,
  type Reservation,
  recordFailure,
  releaseAttempt,
  reserveAttempt,
  retryAfterSeconds,
  tooManyAttempts,
} from './throttle.ts';

type Db = Kysely<Schema>;

export type NextStep = 'done' | 'mfa' | 'enrol-mfa' | 'offer-mfa';
export interface SignInResult {
  next: NextStep;
  methods: SecondFactor[];
}

/** Wrong codes a session may send before it ends. */
export const MAX_SECOND_FACTOR_FAILURES = 5;

export const invalidCredentials = () =>
  new ApiError(
    401,
    'invalid_credentials',
    'That e-mail address and password do not match an account. Check both and try again.',
  );

/** What comes after the password. */
export function nextStep(
  roles: readonly Role[],
  factors: Factors,
  declined: boolean,
): SignInResult {
  const methods = challengeMethods(factors);
  if (methods.length > 0) return { next: 'mfa', methods };
  if (isStaff(roles)) return { next: 'enrol-mfa', methods: [] };
  return { next: declined ? 'done' : 'offer-mfa', methods: [] };
}

/** Audit rows of a sign-in name the person signing in, not whoever the browser was before. */
export function signInSource(req: FastifyRequest, roles: readonly Role[] = []): AuditSource {
  return {
    ...auditSource(req),
    actorUserId: null,
    actorRole: [...new Set(roles)].sort().join(',') || null,
    actingForPatientId: null,
  };
}

async function findAccount(db: Db, email: string) {
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'password_hash', 'status', 'mfa_declined_at'])
    .where('email', '=', email)
    .executeTakeFirst();
  if (!user) return undefined;
  const roles = await db
    .selectFrom('user_roles')
    .select('role')
    .where('user_id', '=', user.id)
    .execute();
  return { ...user, roles: roles.map((r) => r.role) };
}

/**
 * Holds this attempt on the e-mail's and IP's counters before the password
 * or code is looked at; while a lock is in force, refuses (audited) instead.
 */
async function reserveOrRefuse(
  db: Db,
  req: FastifyRequest,
  reply: FastifyReply,
  email: string | null,
  source: AuditSource,
  actorUserId: string | null,
  factor: string,
): Promise<Reservation> {
  const held = await reserveAttempt(db, email, req.ip);
  if (held.ok) return held.reservation;
  await audit(db, source, {
    action: 'sign_in',
    outcome: 'failure',
    actorUserId,
    details: { factor, reason: 'locked' },
  });
  throw locked(reply, held.until);
}

/** The 429 for a lock, with its Retry-After header. */
export function locked(reply: FastifyReply, until: Date): ApiError {
  reply.header('retry-after', String(retryAfterSeconds(until)));
  return tooManyAttempts(until);
}

/** Keeps a failed attempt counted, audits it and any lock it started; returns that lock, if any. */
export async function countFailure(
  db: Db,
  source: AuditSource,
  failure: { reservation: Reservation; actorUserId: string | null; details: object },
): Promise<Lockout | undefined> {
  const locks = await recordFailure(db, failure.reservation);
  await audit(db, source, {
    action: 'sign_in',
    outcome: 'failure',
    actorUserId: failure.actorUserId,
    details: { ...failure.details },
  });
  for (const lock of locks)
    await audit(db, source, {
      action: 'lockout',
      outcome: 'success',
      resourceType: lock.scope === 'account' ? 'Account' : 'IpAddress',
      actorUserId: lock.scope === 'account' ? failure.actorUserId : null,
      details: {
        scope: lock.scope,
        lockedUntil: lock.until.toISOString(),
        failures: lock.failures,
      },
    });
  return locks.find((l) => l.scope === 'account') ?? locks[0];
}

export async function passwordSignIn(
  db: Db,
  config: Config,
  req: FastifyRequest,
  reply: FastifyReply,
  body: { email: string; password: string },
): Promise<SignInResult> {
  const email = body.email.trim().toLowerCase();
  const account = await findAccount(db, email);
  const source = signInSource(req, account?.roles);
  const reservation = await reserveOrRefuse(
    db,
    req,
    reply,
    email,
    source,
    account?.id ?? null,
    'password',
  );
  const passwordOk = await checkPassword(account?.password_hash ?? null, body.password);
  if (!account || !passwordOk || account.status !== 'active') {
    const reason = !account
      ? 'unknown_account'
      : !account.password_hash
        ? 'no_password'
        : !passwordOk
          ? 'wrong_password'
          : 'disabled';
    const lock = await db.transaction().execute((trx) =>
      countFailure(trx, source, {
        reservation,
        actorUserId: account?.id ?? null,
        details: { factor: 'password', reason },
      }),
    );
    throw lock ? locked(reply, lock.until) : invalidCredentials();
  }
  const result = nextStep(
    account.roles,
    await factorsOf(db, account.id),
    account.mfa_declined_at !== null,
  );
  const token = await db.transaction().execute(async (trx) => {
    const session = await startSession(trx, config, req, account.id, account.roles, false);
    const pending = result.next === 'mfa' || result.next === 'enrol-mfa';
    const ended = pending ? await endOldestPendingSessions(trx, account.id) : 0;
    await releaseAttempt(trx, reservation);
    // With a second factor still due, the sign-in is not over: the streak stays,
    // so wrong codes after a stolen password keep counting towards the lock.
    if (result.next !== 'mfa') await clearFailures(trx, email);
    await audit(trx, source, {
      action: 'sign_in',
      actorUserId: account.id,
      resourceType: 'Session',
      resourceId: session.id,
      details: { factor: 'password', next: result.next, ...(ended ? { pendingEnded: ended } : {}) },
    });
    return session.token;
  });
  setSessionCookie(reply, config, token);
  return result;
}

/** Sign-ins still waiting for their second factor that one account may have open. */
export const MAX_PENDING_SESSIONS = 5;

/**
 * Ends the oldest sign-ins still waiting for a second factor beyond the
 * newest five, so a stolen password cannot open many sessions to spread
 * code guesses over. Returns how many ended.
 */
async function endOldestPendingSessions(db: Db, userId: string): Promise<number> {
  const result = await db
    .updateTable('sessions')
    .set({ ended_at: new Date(), end_reason: 'rotated' })
    .where(
      'id',
      'in',
      db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .where('ended_at', 'is', null)
        .where('mfa_verified_at', 'is', null)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .offset(MAX_PENDING_SESSIONS),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A new session for a new sign-in; the browser's old one, if any, ends. */
export async function startSession(
  db: Db,
  config: Config,
  req: FastifyRequest,
  userId: string,
  roles: readonly Role[],
  mfaVerified: boolean,
) {
  if (req.auth) await endSession(db, req.auth.session.id, 'rotated');
  return createSession(db, {
    userId,
    idleMinutes: idleMinutesFor(config, roles),
    maxHours: config.sessionMaxHours,
    mfaVerified,
    ip: req.ip,
    userAgent: req.headers['user-agent'] ?? null,
  });
}

export const setSessionCookie = (reply: FastifyReply, config: Config, token: string) =>
  reply.setCookie(sessionCookieName(config), token, sessionCookieOptions(config));

/** Marks the session's second factor done, just now, and gives it a new token. */
export async function markSecondFactorDone(db: Db, sessionId: string): Promise<string> {
  const now = new Date();
  await db
    .updateTable('sessions')
    .set({ mfa_verified_at: now, reauthenticated_at: now, mfa_failures: 0 })
    .where('id', '=', sessionId)
    .execute();
  return rotateSession(db, sessionId);
}

/**
 * The second factor is done: the session is complete and freshly
 * authenticated, and gets a new token (a new id at a privilege change).
 * Runs inside the caller's transaction; the caller sets the cookie.
 */
export async function completeSecondFactor(
  db: Db,
  req: FastifyRequest,
  factor: SecondFactor,
  reservation: Reservation,
): Promise<string> {
  const auth = req.auth;
  if (!auth) throw new ApiError(401, 'sign_in_required', 'Please sign in to continue.');
  const token = await markSecondFactorDone(db, auth.session.id);
  await releaseAttempt(db, reservation);
  await clearFailures(db, auth.user.email);
  await audit(db, auditSource(req), {
    action: 'sign_in',
    resourceType: 'Session',
    resourceId: auth.session.id,
    details: { factor },
  });
  return token;
}

/** A second-factor (or step-up) attempt held on the account, the IP and, at sign-in, the session. */
export interface CodeAttempt {
  reservation: Reservation;
  /** Wrong codes the session has had, this one included; null at a step-up. */
  sessionFailures: number | null;
}

const signedOutForCodes = () =>
  new ApiError(
    401,
    'session_ended',
    'Too many wrong codes, so you were signed out. Please sign in again.',
  );

/**
 * Holds a second-factor or step-up attempt before the code is checked:
 * refused while the account or IP is locked, and at sign-in once the
 * session has had its five tries (even if they are still being checked).
 */
export async function reserveCodeAttempt(
  db: Db,
  config: Config,
  req: FastifyRequest,
  reply: FastifyReply,
  factor: string,
  stepUp: boolean,
): Promise<CodeAttempt> {
  const auth = req.auth;
  if (!auth) throw new ApiError(401, 'sign_in_required', 'Please sign in to continue.');
  const source = auditSource(req);
  const reservation = await reserveOrRefuse(
    db,
    req,
    reply,
    auth.user.email,
    source,
    auth.user.id,
    factor,
  );
  if (stepUp) return { reservation, sessionFailures: null };
  const row = await db
    .updateTable('sessions')
    .set((eb) => ({ mfa_failures: eb('mfa_failures', '+', 1) }))
    .where('id', '=', auth.session.id)
    .where('ended_at', 'is', null)
    .where('mfa_failures', '<', MAX_SECOND_FACTOR_FAILURES)
    .returning('mfa_failures')
    .executeTakeFirst();
  if (row) return { reservation, sessionFailures: row.mfa_failures };
  await db.transaction().execute(async (trx) => {
    await releaseAttempt(trx, reservation);
    await endSession(trx, auth.session.id, 'mfa_failed');
    await audit(trx, source, {
      action: 'sign_in',
      outcome: 'failure',
      details: { factor, reason: 'session_attempts_used' },
    });
  });
  reply.clearCookie(sessionCookieName(config), sessionCookieOptions(config));
  throw signedOutForCodes();
}

/**
 * A wrong code: it stays counted against the account (so a stolen password
 * does not buy unlimited guesses) and the session, which ends after five.
 */
export async function secondFactorFailed(
  db: Db,
  config: Config,
  req: FastifyRequest,
  reply: FastifyReply,
  factor: SecondFactor,
  attempt: CodeAttempt,
): Promise<never> {
  const auth = req.auth;
  if (!auth) throw new ApiError(401, 'sign_in_required', 'Please sign in to continue.');
  const source = auditSource(req);
  const failures = attempt.sessionFailures ?? MAX_SECOND_FACTOR_FAILURES;
  const outcome = await db.transaction().execute(async (trx) => {
    const lock = await countFailure(trx, source, {
      reservation: attempt.reservation,
      actorUserId: auth.user.id,
      details: { factor, reason: 'wrong_code' },
    });
    const ended = failures >= MAX_SECOND_FACTOR_FAILURES;
    if (ended) {
      await endSession(trx, auth.session.id, 'mfa_failed');
      await audit(trx, source, {
        action: 'lockout',
        resourceType: 'Session',
        resourceId: auth.session.id,
        details: { reason: 'too_many_wrong_codes', failures },
      });
    }
    return { ended, lock };
  });
  if (outcome.ended) {
    reply.clearCookie(sessionCookieName(config), sessionCookieOptions(config));
    throw signedOutForCodes();
  }
  if (outcome.lock) throw locked(reply, outcome.lock.until);
  throw new ApiError(
    401,
    'invalid_code',
    'That code is not right or was already used. Check it and try again.',
    { attemptsLeft: MAX_SECOND_FACTOR_FAILURES - failures },
  );
}

/** A wrong password or code at step-up: counted against the account, not the session. */
export async function stepUpFailed(
  db: Db,
  req: FastifyRequest,
  reply: FastifyReply,
  factor: 'password' | 'totp',
  attempt: CodeAttempt,
): Promise<never> {
  const auth = req.auth;
  if (!auth) throw new ApiError(401, 'sign_in_required', 'Please sign in to continue.');
  const lock = await db.transaction().execute((trx) =>
    countFailure(trx, auditSource(req), {
      reservation: attempt.reservation,
      actorUserId: auth.user.id,
      details: {
        factor,
        reason: factor === 'password' ? 'wrong_password' : 'wrong_code',
        stepUp: true,
      },
    }),
  );
  if (lock) throw locked(reply, lock.until);
  throw factor === 'password'
    ? new ApiError(401, 'invalid_credentials', 'That password is not right. Try again.')
    : new ApiError(401, 'invalid_code', 'That code is not right or was already used. Try again.');
}
