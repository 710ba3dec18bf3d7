// A patient asking for something that is not theirs gets the same 404 as for
// something that does not exist, and the attempt is audited.
import type { FastifyRequest } from 'fastify';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { ApiError } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/http/module.ts';

/** A 404 for something not the patient's is a refusal of access: audited, then passed on. */
export async function auditedNotFound<T>(
  deps: ModuleDeps,
  req: FastifyRequest,
  what: { patientId: string; resourceType: string; resourceId: string; attempted: string },
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ApiError && err.code === 'not_found')
      await audit(deps.db, auditSource(req), {
        action: 'access_denied',
        outcome: 'failure',
        resourceType: what.resourceType,
        resourceId: what.resourceId,
        patientId: what.patientId,
        details: { attempted: what.attempted },
      });
    throw err;
  }
}

/**
 * A booking must be able to reach the EHR: a patient whose portal record is
 * not yet linked to the EHR's (staff link it from the patient page) cannot
 * book online, rather than holding a time the EHR never hears of. Only
 * checked where the portal has an EHR (always, outside tests).
 */
export async function mustBeLinked(deps: ModuleDeps, patientId: string, byStaff = false) {
  if (!deps.ehr) return;
  const row = await deps.db
    .selectFrom('patients')
    .select('ehr_patient_id')
    .where('id', '=', patientId)
    .executeTakeFirst();
  if (!row?.ehr_patient_id) throw notLinked(byStaff);
}

export const notLinked = (byStaff: boolean) =>
  new ApiError(
    409,
    'not_linked',
    byStaff
      ? "This patient's portal record is not linked to the clinic's record system yet. Link it from the patient's page first."
      : "Your portal account is not connected to the clinic's records yet, so times cannot be booked online. Please call the clinic.",
  );
