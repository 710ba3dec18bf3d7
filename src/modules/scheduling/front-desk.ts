// The front desk's changes that the patient's own API does not make:
// approving a booking request (it then goes to the EHR like any booking;
// the confirmation mail follows when the EHR confirms) and marking the
// visit's outcome. Each is one transaction with its audit row, the
// appointment locked so two desks cannot both act on it.
import { type Kysely, sql } from 'kysely';
import { audit } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { type Actor, queueEhrBook } from './booking.ts';
import type { ClinicScope } from './staff-scope.ts';
import type { AppointmentStatus } from './tables.ts';
import { OUTCOME_MESSAGES, outcomeRefusal, type VisitOutcome } from './visit-outcomes.ts';

type Db = Kysely<Schema>;

const notFound = () => new ApiError(404, 'not_found', 'That appointment was not found.');

/** The appointment with what approving and marking need, locked, if at the caller's clinics. */
async function lockForDesk(trx: Db, id: string, clinics: ClinicScope) {
  return trx
    .selectFrom('appointments as a')
    .innerJoin('slots as s', 's.id', 'a.slot_id')
    .innerJoin('providers as pr', 'pr.id', 'a.provider_id')
    .innerJoin('patients as pt', 'pt.id', 'a.patient_id')
    .innerJoin('visit_types as vt', 'vt.id', 'a.visit_type_id')
    .innerJoin('clinics as c', 'c.id', 'a.clinic_id')
    .select([
      'a.id',
      'a.clinic_id',
      'a.patient_id',
      'a.status',
      'a.starts_at',
      'a.ends_at',
      'a.mode',
      's.ehr_slot_id',
      's.free',
      'pr.ehr_practitioner_id',
      'pt.ehr_patient_id',
      'vt.name_en',
      'c.time_zone',
      sql<Date>`now()`.as('now'),
    ])
    .where('a.id', '=', id)
    .$if(clinics !== 'all', (q) => q.where('a.clinic_id', 'in', clinics as string[]))
    .forUpdate('a')
    .executeTakeFirst();
}

async function audited(
  trx: Db,
  actor: Actor,
  a: { id: string; patient_id: string; clinic_id: string; status: AppointmentStatus },
  status: AppointmentStatus,
) {
  await audit(trx, actor.source, {
    action: 'update',
    resourceType: 'Appointment',
    resourceId: a.id,
    patientId: a.patient_id,
    clinicId: a.clinic_id,
    details: { status, from: a.status, byStaff: true },
  });
}

/** Accepts a booking request: it is confirming, and its booking is queued for the EHR. */
export async function approveRequest(
  db: Db,
  actor: Actor,
  p: { id: string; clinics: ClinicScope },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const a = await lockForDesk(trx, p.id, p.clinics);
    if (!a) throw notFound();
    if (a.status !== 'requested')
      throw new ApiError(409, 'not_requested', 'This appointment is not waiting for approval.');
    if (a.starts_at <= a.now)
      throw new ApiError(
        409,
        'past',
        'That time has already passed. Decline the request so the patient can choose another time.',
      );
    if (!a.free)
      throw new ApiError(
        409,
        'slot_taken',
        'The EHR no longer offers that time. Decline the request so the patient can choose another time.',
      );
    await trx
      .updateTable('appointments')
      .set({ status: 'confirming', updated_at: sql<Date>`now()` })
      .where('id', '=', a.id)
      .execute();
    await audited(trx, actor, a, 'confirming');
    await queueEhrBook(trx, a.id, a, a.patient_id, a.mode);
  });
}

/** Marks arrived, no-show or completed, when the visit's day and status allow it. */
export async function markOutcome(
  db: Db,
  actor: Actor,
  p: { id: string; clinics: ClinicScope; outcome: VisitOutcome },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const a = await lockForDesk(trx, p.id, p.clinics);
    if (!a) throw notFound();
    const refusal = outcomeRefusal({
      now: a.now,
      startsAt: a.starts_at,
      timeZone: a.time_zone,
      status: a.status,
      outcome: p.outcome,
    });
    if (refusal) throw new ApiError(409, refusal, OUTCOME_MESSAGES[refusal]);
    await trx
      .updateTable('appointments')
      .set({
        status: p.outcome,
        updated_at: sql<Date>`now()`,
        ...(p.outcome === 'arrived' ? { arrived_at: sql<Date>`now()` } : {}),
      })
      .where('id', '=', a.id)
      .execute();
    await audited(trx, actor, a, p.outcome);
  });
}
