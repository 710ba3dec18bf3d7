// Proxy grants: staff let a caregiver's account act for a patient until a
// date. Limits: the future, at most five years, and a parent's access to a
// child's record ends when the child turns 18 (the adult decides then).
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { STAFF_ROLES } from '../accounts/tables.ts';
import type { Relationship } from './model.ts';

type Db = Kysely<Schema>;
export const MAX_GRANT_YEARS = 5;

/** The date (UTC midnight) a person born on `birthDate` turns `years`. */
export function birthday(birthDate: string, years: number): Date {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  // Born on 29 February: the birthday is 1 March in a common year.
  return new Date(Date.UTC(y + years, m - 1, d));
}

const addYears = (date: Date, years: number) => {
  const out = new Date(date);
  out.setUTCFullYear(out.getUTCFullYear() + years);
  return out;
};

/** Why a grant until `expiresAt` is not allowed, or null. */
export function grantProblem(
  g: { relationship: Relationship; expiresAt: Date; birthDate: string },
  now = new Date(),
): string | null {
  if (g.expiresAt <= now) return 'The expiry must be in the future.';
  if (g.expiresAt > addYears(now, MAX_GRANT_YEARS))
    return `A proxy grant can last at most ${MAX_GRANT_YEARS} years; renew it when it ends.`;
  const adulthood = birthday(g.birthDate, 18);
  if (g.relationship === 'parent' && now < adulthood && g.expiresAt > adulthood)
    return `A parent's access to a minor's record ends on the 18th birthday (${adulthood
      .toISOString()
      .slice(0, 10)}); choose that date or earlier.`;
  return null;
}

export interface NewGrant {
  patientId: string;
  proxyEmail: string;
  relationship: Relationship;
  expiresAt: Date;
  grantedBy: string;
}

/** Creates the grant (and the proxy role) in the caller's transaction. */
export async function grantProxy(trx: Db, g: NewGrant) {
  const patient = await trx
    .selectFrom('patients')
    .select(['birth_date'])
    .where('id', '=', g.patientId)
    .executeTakeFirstOrThrow();
  const problem = grantProblem({ ...g, birthDate: patient.birth_date });
  if (problem)
    throw new ApiError(400, 'invalid_expiry', problem, [{ field: 'expiresAt', message: problem }]);
  const proxy = await trx
    .selectFrom('users')
    .select(['id', 'patient_id'])
    .where('email', '=', g.proxyEmail.trim().toLowerCase())
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!proxy)
    throw new ApiError(
      404,
      'no_account',
      'No portal account uses that e-mail; the caregiver needs an account first.',
    );
  if (proxy.patient_id === g.patientId)
    throw new ApiError(400, 'own_record', 'That is the patient’s own account; it needs no proxy.');
  await refuseStaffProxy(trx, proxy.id, g.grantedBy);
  const existing = await trx
    .selectFrom('proxy_grants')
    .select(['expires_at'])
    .where('proxy_user_id', '=', proxy.id)
    .where('patient_id', '=', g.patientId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  if (existing)
    throw new ApiError(
      409,
      'already_granted',
      `That caregiver already has access until ${existing.expires_at.toISOString().slice(0, 10)}; revoke it first to change it.`,
    );
  const grant = await trx
    .insertInto('proxy_grants')
    .values({
      proxy_user_id: proxy.id,
      patient_id: g.patientId,
      relationship: g.relationship,
      expires_at: g.expiresAt,
      granted_by: g.grantedBy,
    })
    .returning(['id', 'proxy_user_id'])
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('user_roles')
    .values({ user_id: proxy.id, role: 'proxy', clinic_id: null })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return grant;
}

/**
 * A staff account never becomes a caregiver: staff already reach records
 * through their clinic roles (audited as staff), and a grant to oneself or
 * to a colleague would open a second, patient-side way in.
 */
async function refuseStaffProxy(trx: Db, proxyUserId: string, grantedBy: string) {
  if (proxyUserId === grantedBy)
    throw new ApiError(
      400,
      'own_account',
      'You cannot give your own account caregiver access to a patient’s record.',
    );
  const staffRole = await trx
    .selectFrom('user_roles')
    .select('role')
    .where('user_id', '=', proxyUserId)
    .where('role', 'in', STAFF_ROLES)
    .executeTakeFirst();
  if (staffRole)
    throw new ApiError(
      400,
      'staff_account',
      'That e-mail belongs to a staff account, which cannot be a caregiver. Ask the caregiver for a personal e-mail with a patient portal account.',
    );
}

/** Revokes an open grant of the patient; a caregiver acting on it goes back to their own record. */
export async function revokeProxy(trx: Db, patientId: string, grantId: string) {
  const grant = await trx
    .updateTable('proxy_grants')
    .set({ revoked_at: new Date() })
    .where('id', '=', grantId)
    .where('patient_id', '=', patientId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'proxy_user_id', 'relationship'])
    .executeTakeFirst();
  if (!grant)
    throw new ApiError(404, 'not_found', 'That proxy grant was not found or is already revoked.');
  await trx
    .updateTable('sessions')
    .set({ acting_for_patient_id: null })
    .where('user_id', '=', grant.proxy_user_id)
    .where('acting_for_patient_id', '=', patientId)
    .where('ended_at', 'is', null)
    .execute();
  return grant;
}

/** The caregiver's own record (if they are a patient) and whom they may act for now. */
export async function dependentsOf(db: Db, user: { id: string; patientId: string | null }) {
  const own = user.patientId
    ? await db
        .selectFrom('patients')
        .select(['id', 'given_name', 'family_name'])
        .where('id', '=', user.patientId)
        .executeTakeFirst()
    : undefined;
  const grants = await db
    .selectFrom('proxy_grants as g')
    .innerJoin('patients as p', 'p.id', 'g.patient_id')
    .select(['p.id', 'p.given_name', 'p.family_name', 'g.relationship', 'g.expires_at'])
    .where('g.proxy_user_id', '=', user.id)
    .where('g.revoked_at', 'is', null)
    .where('g.expires_at', '>', new Date())
    .orderBy('p.given_name')
    .execute();
  return {
    self: own
      ? { patientId: own.id, name: { given: own.given_name, family: own.family_name } }
      : null,
    dependents: grants.map((g) => ({
      patientId: g.id,
      name: { given: g.given_name, family: g.family_name },
      relationship: g.relationship,
      expiresAt: g.expires_at.toISOString(),
    })),
  };
}
