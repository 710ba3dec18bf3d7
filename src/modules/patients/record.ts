// One patient as the front desk sees them: demographics, registrations at
// the staff member's clinics, the portal account, an open activation code
// (its expiry only) and who may act for them.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { notFound } from '../../platform/errors.ts';
import { accountState, patientAccounts } from './accounts.ts';
import type { PatientRecord } from './model.ts';
import { registrationsOf } from './search.ts';

type Db = Kysely<Schema>;

export async function loadPatientRecord(
  db: Db,
  patientId: string,
  clinics: string[] | 'all',
): Promise<PatientRecord> {
  const patient = await db
    .selectFrom('patients')
    .selectAll()
    .where('id', '=', patientId)
    .executeTakeFirst();
  if (!patient) throw notFound('That record');
  const [registrations, accounts, proxies] = await Promise.all([
    registrationsOf(db, [patientId], clinics),
    patientAccounts(db, [patientId]),
    proxiesOf(db, patientId),
  ]);
  const account = accounts.get(patientId);
  return {
    patient: {
      id: patient.id,
      name: { given: patient.given_name, family: patient.family_name },
      birthDate: patient.birth_date,
      email: patient.email,
      phone: patient.phone,
    },
    clinics: registrations.get(patientId) ?? [],
    account:
      account?.userId && account.email && account.status
        ? {
            userId: account.userId,
            email: account.email,
            status: account.status,
            state: accountState(account),
            lockedUntil: account.lockedUntil?.toISOString() ?? null,
            mfaEnabled: account.mfaEnabled,
          }
        : null,
    activationCode:
      account?.codeExpiresAt && !account.userId
        ? { expiresAt: account.codeExpiresAt.toISOString() }
        : null,
    proxies,
  };
}

/** Grants not revoked, newest expiry first; expired ones stay visible to renew. */
async function proxiesOf(db: Db, patientId: string) {
  const rows = await db
    .selectFrom('proxy_grants as g')
    .innerJoin('users as u', 'u.id', 'g.proxy_user_id')
    .select([
      'g.id',
      'g.proxy_user_id',
      'u.display_name',
      'u.email',
      'g.relationship',
      'g.expires_at',
      'g.granted_at',
    ])
    .where('g.patient_id', '=', patientId)
    .where('g.revoked_at', 'is', null)
    .orderBy('g.expires_at', 'desc')
    .execute();
  const now = new Date();
  return rows.map((g) => ({
    id: g.id,
    proxyUserId: g.proxy_user_id,
    proxyName: g.display_name,
    proxyEmail: g.email,
    relationship: g.relationship,
    expiresAt: g.expires_at.toISOString(),
    grantedAt: g.granted_at.toISOString(),
    active: g.expires_at > now,
  }));
}

/** The clinic a letter comes from: the first of the staff member's where the patient is registered. */
export function letterClinic(db: Db, patientId: string, clinics: string[] | 'all') {
  return db
    .selectFrom('patient_clinics as r')
    .innerJoin('clinics as c', 'c.id', 'r.clinic_id')
    .select(['c.id', 'c.name', 'c.phone'])
    .where('r.patient_id', '=', patientId)
    .$if(clinics !== 'all', (s) => s.where('r.clinic_id', 'in', clinics as string[]))
    .orderBy('r.registered_at')
    .orderBy('c.name')
    .executeTakeFirst();
}
