// A person's second factors, and the rules for adding and removing them.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Auth } from '../../platform/auth/context.ts';
import { requireRecentAuth } from '../../platform/auth/step-up.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { type Role, STAFF_ROLES } from './tables.ts';

type Db = Kysely<Schema>;

export type SecondFactor = 'totp' | 'recovery' | 'passkey';

export interface Factors {
  totp: boolean;
  passkeys: number;
  recoveryCodesLeft: number;
}

export async function factorsOf(db: Db, userId: string): Promise<Factors> {
  const row = await db
    .selectFrom('users')
    .select(['totp_enabled_at'])
    .select((eb) => [
      eb
        .selectFrom('passkeys')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('passkeys.user_id', '=', 'users.id')
        .as('passkeys'),
      eb
        .selectFrom('recovery_codes')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('recovery_codes.user_id', '=', 'users.id')
        .where('recovery_codes.used_at', 'is', null)
        .as('recovery'),
    ])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return {
    totp: row.totp_enabled_at !== null,
    passkeys: Number(row.passkeys ?? 0),
    recoveryCodesLeft: Number(row.recovery ?? 0),
  };
}

/**
 * The factors, read with the account row locked until the caller's
 * transaction ends: two removals at once (the app and the last passkey)
 * take turns, so the second sees what the first left.
 */
export async function lockFactors(trx: Db, userId: string): Promise<Factors> {
  await trx
    .selectFrom('users')
    .select('id')
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return factorsOf(trx, userId);
}

export const isEnrolled = (f: Factors) => f.totp || f.passkeys > 0;

/** The ways the person can answer a second-factor challenge now. */
export function challengeMethods(f: Factors): SecondFactor[] {
  if (!isEnrolled(f)) return [];
  const methods: SecondFactor[] = [];
  if (f.totp) methods.push('totp');
  if (f.passkeys > 0) methods.push('passkey');
  if (f.recoveryCodesLeft > 0) methods.push('recovery');
  return methods;
}

export const isStaff = (roles: readonly Role[]) => roles.some((r) => STAFF_ROLES.includes(r));

/**
 * Adding a factor is changing MFA, so it needs a recent password or code.
 * The one exception: staff enrolling their first factor while signing in,
 * who have just typed their password but cannot finish signing in yet.
 */
export function requireMayAddFactor(req: FastifyRequest): Auth {
  const auth = req.auth as Auth;
  if (!auth.complete && !auth.user.mfaEnrolled) return auth;
  requireRecentAuth(req);
  return auth;
}

/** Staff must keep a second factor: refuses removing their last one. */
export function refuseLastStaffFactor(auth: Auth, remaining: number) {
  if (remaining === 0 && isStaff(auth.roles.map((g) => g.role)))
    throw new ApiError(
      409,
      'last_factor',
      'Staff accounts need a second factor. Add another passkey or an authenticator app first, then remove this one.',
    );
}
