// Who works the EHR desk (the outbox and the discrepancies) and for which
// clinics: clinic admins for their clinics, system admins and support agents
// as their grants say (usually the whole group).
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Role } from '../../modules/accounts/tables.ts';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { staffClinicIds } from '../../platform/auth/scope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';

export const DESK_ROLES: readonly Role[] = ['clinic_admin', 'system_admin', 'support_agent'];
export const deskAccess = { roles: DESK_ROLES } as const;

/** The clinics whose desk this person works, or 'all'. */
export const deskClinics = (req: FastifyRequest) => staffClinicIds(req.auth as Auth, DESK_ROLES);

export const inDesk = (clinics: string[] | 'all', clinicId: string) =>
  clinics === 'all' || clinics.includes(clinicId);

/**
 * The clinics to list: the one asked for (refused with 403, audited, when
 * outside the person's clinics), else all of theirs.
 */
export async function listedClinics(
  db: Kysely<Schema>,
  req: FastifyRequest,
  what: { resourceType: string; clinicId?: string },
): Promise<string[] | 'all'> {
  const clinics = deskClinics(req);
  const asked = what.clinicId;
  if (!asked) return clinics;
  if (inDesk(clinics, asked)) return [asked];
  await audit(db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: what.resourceType,
    clinicId: asked,
    details: { attempted: 'query' },
  });
  throw new ApiError(403, 'clinic_not_yours', 'You work the EHR desk of other clinics only.');
}

/** A row outside the person's clinics is answered like a missing one, and the refusal audited. */
export async function refuseOutsideDesk(
  db: Kysely<Schema>,
  req: FastifyRequest,
  what: { resourceType: string; resourceId: string; patientId?: string | null },
): Promise<never> {
  await audit(db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: what.resourceType,
    resourceId: what.resourceId,
    patientId: what.patientId ?? null,
    details: { attempted: 'update' },
  });
  throw new ApiError(404, 'not_found', 'That item was not found.');
}
