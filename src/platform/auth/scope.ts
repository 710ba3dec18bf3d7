// Patient scope: whose records the person asking may see. Patients and
// proxies reach the one patient they are acting for; staff reach patients
// registered at their clinics. Every refusal is audited, and answers 404 so
// a stranger learns nothing about whether the record exists.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Role } from '../../modules/accounts/tables.ts';
import { audit } from '../audit/audit.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { type Auth, auditSource } from './context.ts';

/** Staff roles that work with patients' records at their clinics. */
export const PATIENT_CARE_ROLES: readonly Role[] = [
  'front_desk',
  'nurse',
  'provider',
  'clinic_admin',
  'support_agent',
];

/** Clinics where the user may reach patients; 'all' for a group-wide grant. */
export function staffClinicIds(
  auth: Auth,
  roles: readonly Role[] = PATIENT_CARE_ROLES,
): string[] | 'all' {
  const grants = auth.roles.filter((g) => roles.includes(g.role));
  if (grants.some((g) => g.clinicId === null)) return 'all';
  return [...new Set(grants.map((g) => g.clinicId as string))];
}

/**
 * Resolves to the patient id when the request may reach that patient's
 * record, else audits the refusal (outside the caller's transaction, so it
 * is kept) and throws 404.
 */
export async function requirePatient(
  db: Kysely<Schema>,
  req: FastifyRequest,
  patientId: string,
  what: {
    resourceType: string;
    action?: 'view' | 'create' | 'update' | 'delete' | 'query' | 'export';
  },
): Promise<string> {
  const auth = req.auth;
  if (auth && (await mayReach(db, auth, patientId))) return patientId;
  await audit(db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: what.resourceType,
    patientId: isUuid(patientId) ? patientId : null,
    details: { attempted: what.action ?? 'view' },
  });
  throw new ApiError(404, 'not_found', 'That record was not found.');
}

async function mayReach(db: Kysely<Schema>, auth: Auth, patientId: string): Promise<boolean> {
  if (!isUuid(patientId)) return false;
  if (auth.user.patientId === patientId && !auth.session.acting_for_patient_id) return true;
  if (auth.session.acting_for_patient_id === patientId)
    // A grant can expire or be revoked while the caregiver is signed in.
    return (await activeProxyGrants(db, auth.user.id)).some((g) => g.patient_id === patientId);
  const clinics = staffClinicIds(auth);
  if (clinics !== 'all' && clinics.length === 0) return false;
  const row = await db
    .selectFrom('patient_clinics')
    .select('patient_id')
    .where('patient_id', '=', patientId)
    .$if(clinics !== 'all', (q) => q.where('clinic_id', 'in', clinics as string[]))
    .executeTakeFirst();
  return !!row;
}

/** Patients this proxy may act for now (grant not expired or revoked). */
export function activeProxyGrants(db: Kysely<Schema>, userId: string) {
  return db
    .selectFrom('proxy_grants')
    .select(['patient_id', 'relationship', 'expires_at'])
    .where('proxy_user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .execute();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: string) => UUID.test(v);
