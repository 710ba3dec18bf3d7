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
import { type Auth, auditSource, currentPatientId } from './context.ts';

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
  return refuseAccess(
    db,
    req,
    { resourceType: what.resourceType, patientId, attempted: what.action ?? 'view' },
    'That record was not found.',
  );
}

/** The patient this request works for: the session's own, still reachable (a caregiver's grant may have ended). */
export async function sessionPatient(
  db: Kysely<Schema>,
  req: FastifyRequest,
  resourceType: string,
): Promise<string> {
  const current = req.auth && currentPatientId(req.auth);
  if (!current) throw new ApiError(404, 'no_patient_record', 'This account has no patient record.');
  return requirePatient(db, req, current, { resourceType });
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

/**
 * Resolves when the user keeps the clinic under one of `what.roles` and it
 * exists. Another clinic is refused like a missing one (404, with the
 * caller's message), and the refusal is audited.
 */
export async function requireOwnClinic(
  db: Kysely<Schema>,
  req: FastifyRequest,
  clinicId: string,
  what: {
    roles: readonly Role[];
    resourceType: string;
    resourceId?: string;
    attempted: 'view' | 'query' | 'create' | 'update';
    notFound: () => ApiError;
  },
): Promise<void> {
  const clinics = staffClinicIds(req.auth as Auth, what.roles);
  if (clinics === 'all' || clinics.includes(clinicId)) {
    const clinic = await db
      .selectFrom('clinics')
      .select('id')
      .where('id', '=', clinicId)
      .executeTakeFirst();
    if (clinic) return;
    throw what.notFound();
  }
  return refuseAccess(db, req, { ...what, clinicId }, what.notFound().message);
}

/**
 * Audits a refused request (outside any transaction of the caller's, so it
 * is kept) and answers 404 with `message`: to the person asking, what is not
 * theirs looks the same as what does not exist. Ids that are not UUIDs (typed
 * into a URL) are left out of the audit row.
 */
export async function refuseAccess(
  db: Kysely<Schema>,
  req: FastifyRequest,
  what: {
    resourceType: string;
    attempted: string;
    resourceId?: string;
    patientId?: string | null;
    clinicId?: string | null;
  },
  message: string,
): Promise<never> {
  const uuidOrNull = (id: string | null | undefined) => (id && isUuid(id) ? id : null);
  await audit(db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: what.resourceType,
    resourceId: what.resourceId,
    patientId: uuidOrNull(what.patientId),
    clinicId: uuidOrNull(what.clinicId),
    details: { attempted: what.attempted },
  });
  throw new ApiError(404, 'not_found', message);
}
