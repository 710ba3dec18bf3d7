// Whom the front desk may reach: clinics where the staff member holds a
// scheduling role, those clinics' appointments, and the patients registered
// there. Anything else is refused like a record out of reach: audited
// (outside any transaction, so the row is kept) and answered 404, so the
// caller learns nothing about whether it exists.
import type { FastifyRequest } from 'fastify';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { refuseAccess, staffClinicIds } from '../../platform/auth/scope.ts';
import { ApiError } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/http/module.ts';
import type { Role } from '../accounts/tables.ts';
import type { Actor } from './booking.ts';
import type { AppointmentStatus } from './tables.ts';

/** Who works the schedule: the web app's FRONT_DESK_ROLES is the same list. */
export const SCHEDULE_ROLES: readonly Role[] = ['front_desk', 'nurse', 'provider', 'clinic_admin'];

export type ClinicScope = string[] | 'all';

export const scheduleClinics = (req: FastifyRequest): ClinicScope =>
  staffClinicIds(req.auth as Auth, SCHEDULE_ROLES);

const within = (scope: ClinicScope, clinicId: string) =>
  scope === 'all' || scope.includes(clinicId);

export const staffActor = (req: FastifyRequest): Actor => ({
  source: auditSource(req),
  userId: (req.auth as Auth).user.id,
  byStaff: true,
});

const refuse = (
  deps: ModuleDeps,
  req: FastifyRequest,
  what: { resourceType: string; resourceId?: string; patientId?: string | null; clinicId?: string },
  attempted: string,
  message: string,
) => refuseAccess(deps.db, req, { ...what, attempted }, message);

/** The clinic, when the caller works its schedule. */
export async function requireClinic(
  deps: ModuleDeps,
  req: FastifyRequest,
  clinicId: string,
  attempted: string,
) {
  const clinic = await deps.db
    .selectFrom('clinics')
    .select(['id', 'name', 'time_zone'])
    .where('id', '=', clinicId)
    .executeTakeFirst();
  if (clinic && within(scheduleClinics(req), clinic.id)) return clinic;
  return refuse(
    deps,
    req,
    { resourceType: 'Appointment', clinicId },
    attempted,
    'That clinic was not found among yours.',
  );
}

export interface ReachedAppointment {
  id: string;
  clinicId: string;
  patientId: string;
  status: AppointmentStatus;
  /** The caller's clinics, the scope for the change that follows. */
  clinics: ClinicScope;
}

/** The appointment, when it is at one of the caller's clinics. */
export async function requireAppointment(
  deps: ModuleDeps,
  req: FastifyRequest,
  id: string,
  attempted: string,
): Promise<ReachedAppointment> {
  const clinics = scheduleClinics(req);
  const a = await deps.db
    .selectFrom('appointments')
    .select(['id', 'clinic_id', 'patient_id', 'status'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (a && within(clinics, a.clinic_id))
    return { id: a.id, clinicId: a.clinic_id, patientId: a.patient_id, status: a.status, clinics };
  return refuse(
    deps,
    req,
    {
      resourceType: 'Appointment',
      resourceId: id,
      patientId: a?.patient_id,
      clinicId: a?.clinic_id,
    },
    attempted,
    'That appointment was not found.',
  );
}

/**
 * The patient, when registered at one of the caller's clinics; with
 * `clinicId`, that clinic must be the caller's too and the patient
 * registered there (a plain 409 when only the registration is missing).
 */
export async function requirePatientAt(
  deps: ModuleDeps,
  req: FastifyRequest,
  patientId: string,
  attempted: string,
  clinicId?: string,
): Promise<string> {
  const clinics = scheduleClinics(req);
  const at = await deps.db
    .selectFrom('patient_clinics')
    .select('clinic_id')
    .where('patient_id', '=', patientId)
    .execute();
  const reachable = at.some((r) => within(clinics, r.clinic_id));
  if (!reachable || (clinicId && !within(clinics, clinicId)))
    return refuse(
      deps,
      req,
      { resourceType: 'Patient', patientId, clinicId },
      attempted,
      'That record was not found.',
    );
  if (clinicId && !at.some((r) => r.clinic_id === clinicId))
    throw new ApiError(
      409,
      'not_registered_here',
      'This patient is not registered at that clinic. Register them there first, or choose their clinic.',
    );
  return patientId;
}
