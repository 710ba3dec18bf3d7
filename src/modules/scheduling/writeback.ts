// Appointments reach the EHR through the outbox: 'appointment.book' creates
// the FHIR Appointment on the EHR's Slot, 'appointment.cancel' cancels it.
// When the EHR confirms, the appointment is booked and the patient gets the
// confirmation; when the EHR refuses the time (booked there meanwhile), the
// appointment is not booked, the patient is told, the slot is marked taken
// and a discrepancy is recorded for staff.
import type { Appointment } from '@medplum/fhirtypes';
import { type Kysely, sql } from 'kysely';
import { EhrError, PORTAL_IDENTIFIER_SYSTEM } from '../../ehr/gateway/gateway.ts';
import { type Confirmation, confirmationOf, registerOutboxKind } from '../../ehr/outbox/kinds.ts';
import { enqueue } from '../../ehr/outbox/outbox.ts';
import { audit, SYSTEM_SOURCE } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { queueAppointmentNotice } from './notices.ts';

type Db = Kysely<Schema>;

export interface BookPayload {
  appointmentId: string;
  ehrSlotId: string;
  ehrPatientId: string | null;
  ehrPractitionerId: string;
  start: string;
  end: string;
  visitType: string;
  mode: 'in_person' | 'video';
}

interface CancelPayload {
  appointmentId: string;
  bookKey: string;
  ehrAppointmentId: string | null;
  reason: string;
}

export const bookKey = (appointmentId: string) => `appointment-book:${appointmentId}`;

/** Times a booking may be sent again after the EHR lost it, each under a key of its own. */
const MAX_RESENDS = 5;
/** The keys a booking is sent under: first, then each resend. */
export const bookKeys = (appointmentId: string) => [
  bookKey(appointmentId),
  ...Array.from({ length: MAX_RESENDS }, (_, i) => `${bookKey(appointmentId)}:again:${i + 1}`),
];

/** The FHIR Appointment for a booking. */
export function ehrAppointment(p: BookPayload): Appointment {
  if (!p.ehrPatientId)
    throw new EhrError('The patient is not linked to a record in the EHR', 422, undefined, false);
  return {
    resourceType: 'Appointment',
    status: 'booked',
    slot: [{ reference: `Slot/${p.ehrSlotId}` }],
    start: p.start,
    end: p.end,
    appointmentType: { text: p.visitType },
    ...(p.mode === 'video'
      ? {
          serviceCategory: [
            {
              coding: [
                {
                  system: 'http://snomed.info/sct',
                  code: '448337001',
                  display: 'Telemedicine consultation',
                },
              ],
            },
          ],
        }
      : {}),
    participant: [
      { actor: { reference: `Patient/${p.ehrPatientId}` }, status: 'accepted' },
      { actor: { reference: `Practitioner/${p.ehrPractitionerId}` }, status: 'accepted' },
    ],
  };
}

/** The EHR said no to the time itself (taken there), not "try later". */
export const isSlotRefusal = (err: unknown) =>
  err instanceof EhrError &&
  [409, 412, 422].includes(err.status) &&
  !/not linked/.test(err.message);

registerOutboxKind('appointment.book', {
  check(payload) {
    const p = payload as BookPayload;
    if (!p?.appointmentId || !p.ehrSlotId)
      throw new Error('appointment.book needs an appointment and a slot');
  },
  async send(item, gateway) {
    const created = await gateway.bookAppointment(ehrAppointment(item.payload as BookPayload), {
      idempotencyKey: item.idempotencyKey,
    });
    return confirmationOf(created);
  },
  lockFirst: (trx, item) => lockAppointment(trx, (item.payload as BookPayload).appointmentId),
  async settled(trx, item, settlement, { publicUrl }) {
    const p = item.payload as BookPayload;
    if (settlement.outcome === 'confirmed')
      await confirmed(trx, p.appointmentId, settlement.confirmation, publicUrl);
    else if (isSlotRefusal(settlement.error)) await refusedByEhr(trx, p, publicUrl);
  },
});

/** A cancel or move locks the appointment before its outbox rows: settling does the same. */
async function lockAppointment(trx: Db, id: string): Promise<void> {
  await trx.selectFrom('appointments').select('id').where('id', '=', id).forUpdate().execute();
}

async function confirmed(
  trx: Db,
  appointmentId: string,
  c: Confirmation,
  publicUrl: string,
): Promise<void> {
  const row = await trx
    .updateTable('appointments')
    .set({ status: 'booked', ehr_appointment_id: c.id, updated_at: sql<Date>`now()` })
    .where('id', '=', appointmentId)
    .where('status', '=', 'confirming')
    .returning('id')
    .executeTakeFirst();
  // Marked arrived by the front desk meanwhile, or cancelled while on its way
  // (the cancel that follows tidies the EHR up): keep the status, note the id.
  if (!row) {
    await trx
      .updateTable('appointments')
      .set({ ehr_appointment_id: c.id })
      .where('id', '=', appointmentId)
      .execute();
    return;
  }
  await queueAppointmentNotice(trx, appointmentId, 'confirmed', publicUrl);
}

async function refusedByEhr(trx: Db, p: BookPayload, publicUrl: string): Promise<void> {
  const a = await trx
    .updateTable('appointments')
    .set({ status: 'not_booked', updated_at: sql<Date>`now()` })
    .where('id', '=', p.appointmentId)
    // The front desk may have marked the visit meanwhile: the EHR still has no such appointment.
    .where('status', 'in', ['confirming', 'checked_in', 'arrived'])
    .returning(['id', 'clinic_id', 'patient_id', 'slot_id', 'starts_at', 'ends_at'])
    .executeTakeFirst();
  if (!a) return;
  await trx.updateTable('slots').set({ free: false }).where('id', '=', a.slot_id).execute();
  await audit(trx, SYSTEM_SOURCE, {
    action: 'update',
    resourceType: 'Appointment',
    resourceId: a.id,
    patientId: a.patient_id,
    clinicId: a.clinic_id,
    details: { status: 'not_booked', reason: 'slot_taken_in_ehr' },
  });
  const discrepancy = await trx
    .insertInto('discrepancies')
    .values({
      clinic_id: a.clinic_id,
      patient_id: a.patient_id,
      type: 'slot_booked_in_ehr',
      subject_key: `Slot/${p.ehrSlotId}`,
      severity: 'high',
      portal_version: JSON.stringify({
        appointment: a.id,
        start: p.start,
        end: p.end,
        status: 'confirming',
      }),
      ehr_version: JSON.stringify({ slot: p.ehrSlotId, status: 'busy' }),
      ehr_reference: `Slot/${p.ehrSlotId}`,
      suggested_action: 'review',
    })
    .onConflict((oc) =>
      oc.columns(['type', 'subject_key']).where(sql<boolean>`status = 'open'`).doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  if (discrepancy)
    await audit(trx, SYSTEM_SOURCE, {
      action: 'create',
      resourceType: 'Discrepancy',
      resourceId: discrepancy.id,
      patientId: a.patient_id,
      clinicId: a.clinic_id,
      details: { type: 'slot_booked_in_ehr', severity: 'high' },
    });
  await queueAppointmentNotice(trx, a.id, 'not_booked', publicUrl);
}

registerOutboxKind('appointment.cancel', {
  check(payload) {
    if (!(payload as CancelPayload)?.bookKey)
      throw new Error('appointment.cancel needs the booking key');
  },
  async send(item, gateway) {
    const p = item.payload as CancelPayload;
    let id = p.ehrAppointmentId;
    if (!id) {
      const [found] = await gateway.search<Appointment>('Appointment', {
        identifier: `${PORTAL_IDENTIFIER_SYSTEM}|${p.bookKey}`,
      });
      // The booking is still on its way: wait for it rather than leave it behind.
      if (!found?.id) throw new EhrError('The booking has not reached the EHR yet', 409, 30, true);
      id = found.id;
    }
    return confirmationOf(await gateway.cancelAppointment(id, p.reason));
  },
});

/**
 * The cancellation's write-back: nothing when the booking never left (its
 * outbox row is discarded instead), else a cancel that follows the booking.
 */
export async function queueEhrCancel(
  trx: Db,
  a: { id: string; clinic_id: string; patient_id: string },
  reason: string,
): Promise<void> {
  // The newest send of the booking: the desk may have sent it again after the EHR lost it.
  const book = await trx
    .selectFrom('ehr_outbox')
    .select(['id', 'status', 'ehr_id', 'idempotency_key'])
    .where('idempotency_key', 'in', bookKeys(a.id))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  if (!book || book.status === 'dead' || book.status === 'discarded') return;
  if (book.status === 'pending' || book.status === 'failed') {
    await trx
      .updateTable('ehr_outbox')
      .set({
        status: 'discarded',
        note: 'Cancelled in the portal before it was sent.',
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', book.id)
      .execute();
    return;
  }
  const payload: CancelPayload = {
    appointmentId: a.id,
    bookKey: book.idempotency_key,
    ehrAppointmentId: book.ehr_id,
    reason: reason.slice(0, 200),
  };
  await enqueue(trx, {
    kind: 'appointment.cancel',
    clinicId: a.clinic_id,
    patientId: a.patient_id,
    payload,
    idempotencyKey: `appointment-cancel:${a.id}`,
  });
}
