// Settling appointment discrepancies (found by appointment-checks.ts).
// - Changed in the EHR, take the EHR's version: when the EHR cancelled the
//   visit (or entered it in error) the portal cancels it too, "Cancelled by
//   the clinic", and tells the patient; a no-show is recorded as one. The
//   slot is marked taken until the inventory sees it free in the EHR again:
//   the clinic may have closed that time. Nothing goes back to the EHR.
//   A visit moved in the EHR is not followed (the new time need not be a
//   slot the portal knows): staff agree the time with the patient, then
//   dismiss the discrepancy with a note.
// - Missing in the EHR, push the portal's version: the booking is sent
//   again through the outbox under a new idempotency key, and waits as
//   'confirming', so the EHR's answer settles it as a first booking is
//   settled (confirmed, or refused and the patient told).
import { type Kysely, sql } from 'kysely';
import { queueAppointmentNotice } from '../../modules/scheduling/notices.ts';
import type { AppointmentStatus } from '../../modules/scheduling/tables.ts';
import { type BookPayload, bookKeys } from '../../modules/scheduling/writeback.ts';
import { type AuditSource, audit } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { enqueue } from '../outbox/outbox.ts';
import { ENDED_IN_EHR } from './appointment-checks.ts';
import type { OpenDiscrepancy, ResolveContext } from './resolve.ts';

type Db = Kysely<Schema>;

const CANCELLED_BY_CLINIC = 'Cancelled by the clinic';

const cannot = (why: string) =>
  new ApiError(409, 'cannot_resolve_so', `${why} Choose another action, or dismiss with a note.`);

/** Still booked in the portal: the only appointments these resolutions change. */
const CONFIRMED: AppointmentStatus[] = ['booked', 'checked_in', 'arrived'];

/** The portal appointment the discrepancy is about, locked; found by the EHR id it was confirmed under. */
async function lockAppointment(trx: Db, d: OpenDiscrepancy) {
  const ehrId = d.ehr_reference?.replace(/^Appointment\//, '');
  const a = ehrId
    ? await trx
        .selectFrom('appointments')
        .select(['id', 'patient_id', 'clinic_id', 'slot_id', 'status', 'starts_at'])
        .where('ehr_appointment_id', '=', ehrId)
        .where('clinic_id', '=', d.clinic_id)
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (!a) throw cannot('The portal no longer has this appointment.');
  if (!CONFIRMED.includes(a.status))
    throw cannot('The appointment has changed in the portal since this was found.');
  return a;
}

/** The portal follows the EHR's ending of the visit. */
async function followEhr(
  trx: Db,
  d: OpenDiscrepancy,
  source: AuditSource,
  context: ResolveContext,
): Promise<void> {
  const theirs = String((d.ehr_version as { status?: unknown } | null)?.status ?? '');
  if (!(ENDED_IN_EHR as readonly string[]).includes(theirs))
    throw cannot(
      'The portal cannot move an appointment to the time or clinician the EHR has now: agree the time with the patient.',
    );
  const a = await lockAppointment(trx, d);
  const noShow = theirs === 'noshow';
  await trx
    .updateTable('appointments')
    .set(
      noShow
        ? { status: 'no_show', updated_at: sql<Date>`now()` }
        : {
            status: 'cancelled',
            cancel_reason: CANCELLED_BY_CLINIC,
            cancelled_by: source.actorUserId,
            cancelled_at: sql<Date>`now()`,
            updated_at: sql<Date>`now()`,
          },
    )
    .where('id', '=', a.id)
    .execute();
  await trx
    .updateTable('waitlist_entries')
    .set({ status: 'ended', updated_at: sql<Date>`now()` })
    .where('appointment_id', '=', a.id)
    .where('status', '=', 'waiting')
    .execute();
  await trx.updateTable('slots').set({ free: false }).where('id', '=', a.slot_id).execute();
  const status = noShow ? 'no_show' : 'cancelled';
  await audit(trx, source, {
    action: 'update',
    resourceType: 'Appointment',
    resourceId: a.id,
    patientId: a.patient_id,
    clinicId: a.clinic_id,
    details: { status, from: a.status, source: 'ehr', ehrStatus: theirs, discrepancyId: d.id },
  });
  if (!noShow) await queueAppointmentNotice(trx, a.id, 'cancelled', context.publicUrl);
}

/** Sends the booking to the EHR again, as a new request the EHR has not seen. */
async function bookAgain(trx: Db, d: OpenDiscrepancy, source: AuditSource): Promise<string> {
  const a = await lockAppointment(trx, d);
  const f = await trx
    .selectFrom('appointments as a')
    .innerJoin('slots as s', 's.id', 'a.slot_id')
    .innerJoin('providers as pr', 'pr.id', 'a.provider_id')
    .innerJoin('patients as p', 'p.id', 'a.patient_id')
    .innerJoin('visit_types as vt', 'vt.id', 'a.visit_type_id')
    .select([
      's.ehr_slot_id',
      'p.ehr_patient_id',
      'pr.ehr_practitioner_id',
      'a.starts_at',
      'a.ends_at',
      'a.mode',
      'vt.name_en',
      sql<boolean>`a.starts_at > now()`.as('upcoming'),
    ])
    .where('a.id', '=', a.id)
    .executeTakeFirstOrThrow();
  if (!f.upcoming) throw cannot('The appointment has started, so it cannot be booked again.');
  if (!f.ehr_patient_id) throw cannot('The patient is not linked to a record in the EHR.');
  const key = await nextBookKey(trx, a.id);
  const payload: BookPayload = {
    appointmentId: a.id,
    ehrSlotId: f.ehr_slot_id,
    ehrPatientId: f.ehr_patient_id,
    ehrPractitionerId: f.ehr_practitioner_id,
    start: f.starts_at.toISOString(),
    end: f.ends_at.toISOString(),
    visitType: f.name_en,
    mode: f.mode,
  };
  // Checked in or arrived stays so (the patient is on their way or here); a plain booking waits for the EHR.
  const status = a.status === 'booked' ? 'confirming' : a.status;
  await trx
    .updateTable('appointments')
    .set({ status, updated_at: sql<Date>`now()` })
    .where('id', '=', a.id)
    .execute();
  await audit(trx, source, {
    action: 'update',
    resourceType: 'Appointment',
    resourceId: a.id,
    patientId: a.patient_id,
    clinicId: a.clinic_id,
    details: { status, from: a.status, reason: 'missing_in_ehr', discrepancyId: d.id },
  });
  return enqueue(trx, {
    kind: 'appointment.book',
    clinicId: a.clinic_id,
    patientId: a.patient_id,
    payload,
    idempotencyKey: key,
  });
}

/** The next key to send the booking under; a later cancel follows the newest (writeback.ts). */
async function nextBookKey(trx: Db, appointmentId: string): Promise<string> {
  const keys = bookKeys(appointmentId);
  const used = await trx
    .selectFrom('ehr_outbox')
    .select('idempotency_key')
    .where('idempotency_key', 'in', keys)
    .execute();
  const next = keys.find((k) => !used.some((u) => u.idempotency_key === k));
  if (!next) throw cannot('This booking was sent to the EHR again too often already.');
  return next;
}

export const appointmentChanged = { takeEhr: followEhr };
export const appointmentMissing = { pushPortal: bookAgain };
