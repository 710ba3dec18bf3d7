// Appointments as the API shows them, with the names a person reads.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import type { AppointmentView } from './model.ts';
import { changeRefusal } from './rules.ts';

type Db = Kysely<Schema>;

export function appointmentsQuery(db: Db) {
  return db
    .selectFrom('appointments as a')
    .innerJoin('clinics as c', 'c.id', 'a.clinic_id')
    .innerJoin('visit_types as vt', 'vt.id', 'a.visit_type_id')
    .innerJoin('providers as pr', 'pr.id', 'a.provider_id')
    .select([
      'a.id',
      'a.clinic_id',
      'c.name as clinic_name',
      'c.phone as clinic_phone',
      'c.time_zone',
      'a.patient_id',
      'a.visit_type_id',
      'vt.name_en',
      'vt.name_es',
      'vt.change_cutoff_hours',
      'a.provider_id',
      'pr.display_name as provider_name',
      'a.slot_id',
      'a.starts_at',
      'a.ends_at',
      'a.mode',
      'a.status',
      'a.cancel_reason',
      'a.checked_in_at',
      'a.arrived_at',
      'a.booked_by_staff',
      'a.rescheduled_from',
      'a.created_at',
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof appointmentsQuery>['executeTakeFirstOrThrow']>>;

export function appointmentView(r: Row, now = new Date()): AppointmentView {
  const open =
    changeRefusal({
      now,
      startsAt: r.starts_at,
      status: r.status,
      changeCutoffHours: r.change_cutoff_hours,
      byStaff: false,
    }) === null;
  const cutoff =
    r.status === 'requested'
      ? r.starts_at
      : new Date(r.starts_at.getTime() - r.change_cutoff_hours * 3_600_000);
  return {
    id: r.id,
    clinicId: r.clinic_id,
    clinicName: r.clinic_name,
    clinicPhone: r.clinic_phone,
    timeZone: r.time_zone,
    patientId: r.patient_id,
    visitTypeId: r.visit_type_id,
    visitTypeName: { en: r.name_en, es: r.name_es },
    providerId: r.provider_id,
    providerName: r.provider_name,
    slotId: String(r.slot_id),
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    mode: r.mode,
    status: r.status,
    changeableUntil: open ? cutoff.toISOString() : null,
    cancelReason: r.cancel_reason,
    checkedInAt: r.checked_in_at?.toISOString() ?? null,
    arrivedAt: r.arrived_at?.toISOString() ?? null,
    bookedByStaff: r.booked_by_staff,
    rescheduledFrom: r.rescheduled_from,
    createdAt: r.created_at.toISOString(),
  };
}

export async function findAppointment(
  db: Db,
  id: string,
  scope: { patientId: string } | { clinicIds: string[] | 'all' },
): Promise<AppointmentView | undefined> {
  const row = await appointmentsQuery(db)
    .where('a.id', '=', id)
    .$if('patientId' in scope, (q) =>
      q.where('a.patient_id', '=', (scope as { patientId: string }).patientId),
    )
    .$if('clinicIds' in scope && scope.clinicIds !== 'all', (q) =>
      q.where('a.clinic_id', 'in', (scope as { clinicIds: string[] }).clinicIds),
    )
    .executeTakeFirst();
  return row && appointmentView(row);
}
