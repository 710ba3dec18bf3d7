// A patient's portal account as the front desk sees it: none yet, invited
// (an activation code is open), active, or locked after failed sign-ins
// (the throttle mirrors its lock into users.locked_until).
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import type { AccountState } from './model.ts';

export const isLocked = (lockedUntil: Date | null, now = new Date()) =>
  lockedUntil !== null && lockedUntil > now;

export interface PatientAccount {
  patientId: string;
  userId: string | null;
  email: string | null;
  status: 'active' | 'disabled' | null;
  lockedUntil: Date | null;
  mfaEnabled: boolean;
  codeExpiresAt: Date | null;
}

export function accountState(a: PatientAccount): AccountState {
  if (a.userId) return isLocked(a.lockedUntil) ? 'locked' : 'active';
  return a.codeExpiresAt ? 'invited' : 'none';
}

/** Account and open activation code of each patient. */
export async function patientAccounts(
  db: Kysely<Schema>,
  patientIds: string[],
): Promise<Map<string, PatientAccount>> {
  if (patientIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('patients as p')
    .leftJoin('users as u', 'u.patient_id', 'p.id')
    .select([
      'p.id as patientId',
      'u.id as userId',
      'u.email',
      'u.status',
      'u.locked_until as lockedUntil',
      sql<boolean>`u.totp_enabled_at is not null or exists (select 1 from passkeys k
        where k.user_id = u.id)`.as('mfaEnabled'),
      (eb) =>
        eb
          .selectFrom('activation_codes as a')
          .select((e) => e.fn.max('a.expires_at').as('x'))
          .whereRef('a.patient_id', '=', 'p.id')
          .where('a.used_at', 'is', null)
          .where('a.revoked_at', 'is', null)
          .where('a.expires_at', '>', new Date())
          .as('codeExpiresAt'),
    ])
    .where('p.id', 'in', patientIds)
    .execute();
  return new Map(
    rows.map((r) => [
      r.patientId,
      {
        ...r,
        status: r.status ?? null,
        mfaEnabled: Boolean(r.userId && r.mfaEnabled),
        codeExpiresAt: (r.codeExpiresAt as Date | null) ?? null,
      },
    ]),
  );
}
