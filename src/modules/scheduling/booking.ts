// Holding, booking, moving and cancelling an appointment. Each is one
// transaction: the patient's change, its audit row and its write-back to the
// EHR (outbox) commit together. The rules (rules.ts) explain refusals; the
// database's constraints decide races: one live appointment per slot
// (appointments_one_per_slot) and no overlapping appointments per patient
// (appointments_no_overlap). The loser of a race gets "just taken" and the
// next open times.

import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { enqueue, enqueueInsert, type OutboxItem } from '../../ehr/outbox/outbox.ts';
import { type AuditSource, audit, auditInsert } from '../../platform/audit/audit.ts';
import { PREPARED, prepared } from '../../platform/db/database.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import type { AppointmentView } from './model.ts';
import { notLinked } from './refusals.ts';
import { type BookingRefusal, bookingRefusal, changeRefusal, statusOnBooking } from './rules.ts';
import { nextOpenTimes } from './search.ts';
import type { AppointmentStatus } from './tables.ts';
import { appointmentView } from './views.ts';
import { type BookPayload, bookKey, queueEhrCancel } from './writeback.ts';

type Db = Kysely<Schema>;

/** Minutes a patient keeps a slot while confirming. */
export const HOLD_MINUTES = 5;

export interface Actor {
  source: AuditSource;
  userId: string;
  /** Front desk acting for the patient: online rules and cut-offs do not bind them. */
  byStaff: boolean;
}

interface Facts {
  now: Date;
  clinic_id: string;
  provider_id: string;
  starts_at: Date;
  ends_at: Date;
  ehr_slot_id: string;
  ehr_practitioner_id: string;
  ehr_patient_id: string | null;
  provider_active: boolean;
  free: boolean;
  registered: boolean;
  vt_clinic_id: string;
  vt_active: boolean;
  booking: 'online' | 'request' | 'offline';
  patients: 'all' | 'new' | 'established';
  mode: 'in_person' | 'video' | 'either';
  name_en: string;
  name_es: string;
  clinic_name: string;
  clinic_phone: string;
  time_zone: string;
  provider_name: string;
  min_lead_minutes: number;
  max_days_ahead: number;
  change_cutoff_hours: number;
  max_future_bookings: number;
  offered: boolean;
  taken: boolean;
  established: boolean;
  future_bookings: number;
}

/** Everything the rules need about one slot, visit type and patient, in one prepared statement. */
async function bookingFacts(
  db: Db,
  p: { slotId: number; visitTypeId: string; patientId: string; moving?: string },
): Promise<Facts | undefined> {
  const live = sql.raw(`('requested', 'confirming', 'booked', 'checked_in', 'arrived')`);
  const result =
    await sql<Facts>`${sql.raw(PREPARED)}select now() as now, s.clinic_id, s.provider_id,
      s.starts_at, s.ends_at, s.ehr_slot_id, s.free, pr.ehr_practitioner_id, pr.active as provider_active,
      pt.ehr_patient_id, vt.clinic_id as vt_clinic_id, vt.active as vt_active, vt.booking,
      vt.patients, vt.mode, vt.name_en, vt.name_es, c.name as clinic_name, c.phone as clinic_phone,
      c.time_zone, pr.display_name as provider_name, vt.min_lead_minutes, vt.max_days_ahead,
      vt.change_cutoff_hours, vt.max_future_bookings,
      exists (select 1 from patient_clinics pc where pc.patient_id = pt.id
        and pc.clinic_id = s.clinic_id) as registered,
      exists (select 1 from visit_type_providers vp where vp.visit_type_id = vt.id
        and vp.provider_id = s.provider_id) as offered,
      (exists (select 1 from appointments a where a.slot_id = s.id
          and a.status not in ('cancelled', 'declined', 'not_booked'))
        or exists (select 1 from slot_holds h where h.slot_id = s.id and h.expires_at > now()
          and h.patient_id <> pt.id)) as taken,
      mine.established, mine.future_bookings
    from slots s
    join providers pr on pr.id = s.provider_id
    join clinics c on c.id = s.clinic_id
    join visit_types vt on vt.id = ${p.visitTypeId}::uuid
    join patients pt on pt.id = ${p.patientId}::uuid
    -- The patient's appointments at the clinic in one pass (by appointments_patient;
    -- left to itself the planner may walk the clinic's whole day index instead).
    cross join lateral (select
        coalesce(bool_or(a.starts_at < now()
          and a.status in ('booked', 'checked_in', 'arrived', 'completed')), false) as established,
        (count(*) filter (where a.starts_at > now() and a.status in ${live}
          and a.id is distinct from ${p.moving ?? null}::uuid))::int as future_bookings
      from appointments a where a.patient_id = pt.id and a.clinic_id = s.clinic_id) mine
    where s.id = ${p.slotId}::bigint`.execute(db);
  return result.rows[0];
}

const REFUSALS: Record<BookingRefusal, [number, string]> = {
  unavailable: [404, 'That time is not offered for this visit.'],
  not_registered: [403, 'You can book only at a clinic where you are a patient.'],
  slot_taken: [409, 'That time was just taken. Please choose another time.'],
  past: [409, 'That time has already passed. Please choose another time.'],
  not_online: [409, 'This visit cannot be booked online. Please call the clinic.'],
  new_patients_only: [409, 'This visit is for new patients. Please choose another visit type.'],
  established_patients_only: [
    409,
    'This visit is for patients the clinic has seen before. Please book a new patient visit.',
  ],
  too_soon: [409, 'That time is too soon to book online. Please choose a later time.'],
  too_far_ahead: [409, 'That time is too far ahead to book yet. Please choose an earlier time.'],
  too_many_bookings: [
    409,
    'You have as many upcoming appointments here as can be booked online. Cancel one first or call the clinic.',
  ],
};

async function refuse(
  db: Db,
  refusal: BookingRefusal,
  f: Pick<Facts, 'clinic_id' | 'starts_at'> | undefined,
  p: { visitTypeId: string; patientId: string; byStaff: boolean },
): Promise<never> {
  const [status, message] = REFUSALS[refusal];
  const nextTimes =
    f && (refusal === 'slot_taken' || refusal === 'past')
      ? await nextOpenTimes(db, {
          clinicId: f.clinic_id,
          visitTypeId: p.visitTypeId,
          patientId: p.patientId,
          after: f.starts_at,
          byStaff: p.byStaff,
        })
      : undefined;
  throw new ApiError(status, refusal, message, nextTimes && { nextTimes });
}

function check(
  f: Facts | undefined,
  p: { visitTypeId: string; byStaff: boolean },
): BookingRefusal | null {
  if (!f || f.vt_clinic_id !== f.clinic_id) return 'unavailable';
  if (!f.registered) return 'not_registered';
  return bookingRefusal({
    now: f.now,
    startsAt: f.starts_at,
    rules: {
      active: f.vt_active,
      booking: f.booking,
      patients: f.patients,
      minLeadMinutes: f.min_lead_minutes,
      maxDaysAhead: f.max_days_ahead,
      changeCutoffHours: f.change_cutoff_hours,
      maxFutureBookings: f.max_future_bookings,
    },
    offered: f.offered && f.provider_active && f.free,
    taken: f.taken,
    established: f.established,
    futureBookings: f.future_bookings,
    byStaff: p.byStaff,
  });
}

/** Keeps a slot for the patient for HOLD_MINUTES (their earlier hold is let go). */
export async function holdSlot(
  db: Db,
  actor: Actor,
  p: { patientId: string; slotId: number; visitTypeId: string },
): Promise<{ slotId: number; expiresAt: Date }> {
  const args = { ...p, byStaff: actor.byStaff };
  const f = await bookingFacts(db, p);
  const refusal = check(f, args);
  if (refusal || !f) return refuse(db, refusal ?? 'unavailable', f, args);
  const held = await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('slot_holds')
      .where('patient_id', '=', p.patientId)
      .where('slot_id', '<>', p.slotId)
      .execute();
    return trx
      .insertInto('slot_holds')
      .values({
        slot_id: p.slotId,
        patient_id: p.patientId,
        visit_type_id: p.visitTypeId,
        expires_at: sql<Date>`now() + make_interval(mins => ${HOLD_MINUTES})`,
      })
      .onConflict((oc) =>
        oc
          .column('slot_id')
          .doUpdateSet((eb) => ({
            patient_id: eb.ref('excluded.patient_id'),
            visit_type_id: eb.ref('excluded.visit_type_id'),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          .where((eb) =>
            eb.or([
              eb('slot_holds.expires_at', '<=', sql<Date>`now()`),
              eb('slot_holds.patient_id', '=', p.patientId),
            ]),
          ),
      )
      .returning(['slot_id', 'expires_at'])
      .executeTakeFirst();
  });
  if (!held) return refuse(db, 'slot_taken', f, args);
  return { slotId: held.slot_id, expiresAt: held.expires_at };
}

/** Lets go of the patient's hold on a slot (they chose another, or changed their mind). */
export async function releaseHold(db: Db, patientId: string, slotId: number): Promise<void> {
  await db
    .deleteFrom('slot_holds')
    .where('patient_id', '=', patientId)
    .where('slot_id', '=', slotId)
    .execute();
}

export interface Booked {
  id: string;
  status: AppointmentStatus;
  /** As the API shows it, made from what the booking read and wrote (no second read). */
  appointment: AppointmentView;
}

/**
 * Books the slot for the patient, or throws the refusal a person can act on.
 * The facts are read and judged first, outside a transaction; the one
 * statement that books then re-checks under the patient's lock what a race
 * can change (their count of bookings), and the constraints decide the slot
 * and overlaps. Three round trips in all, with the session's.
 */
export async function bookAppointment(
  db: Db,
  actor: Actor,
  p: {
    patientId: string;
    slotId: number;
    visitTypeId: string;
    mode?: 'in_person' | 'video';
    /** With an EHR, only a patient linked to their record there can book. */
    linkedOnly?: boolean;
  },
): Promise<Booked> {
  const args = { ...p, byStaff: actor.byStaff };
  const f = await bookingFacts(db, p);
  if (p.linkedOnly && f && !f.ehr_patient_id) throw notLinked(actor.byStaff);
  const refusal = check(f, args);
  if (refusal || !f) return refuse(db, refusal ?? 'unavailable', f, args);
  try {
    return await insertAppointment(db, actor, f, p);
  } catch (err) {
    return refuse(db, refusalOf(err), f, args);
  }
}

/**
 * One booking at a time per patient, so two tabs cannot both pass the
 * "maximum future bookings" count; other patients are not held up.
 */
async function lockPatient(trx: Db, patientId: string): Promise<void> {
  await sql`select lock_patient_bookings(${patientId}::uuid, null, null)`.execute(trx);
}

class Refused extends Error {
  readonly refusal: BookingRefusal;
  constructor(refusal: BookingRefusal) {
    super(refusal);
    this.refusal = refusal;
  }
}

/** The refusal a failed booking transaction stands for; anything else is rethrown. */
function refusalOf(err: unknown): BookingRefusal {
  if (err instanceof Refused) return err.refusal;
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e.code === '23505' && `${e.constraint ?? e.message}`.includes('appointments_one_per_slot'))
    return 'slot_taken';
  // lock_patient_bookings counted again under the patient's lock.
  if (e.code === 'P0001' && e.message === 'too_many_bookings') return 'too_many_bookings';
  if (e.code === '23P01') throw overlapping();
  // Two changes crossing each other (two moves swapping times): one gives way.
  if (e.code === '40P01' || e.code === '40001')
    throw new ApiError(
      409,
      'try_again',
      'Someone changed this at the same moment. Please try again.',
    );
  throw err;
}

const overlapping = () =>
  new ApiError(
    409,
    'overlapping',
    'You already have an appointment at that time. Choose another time or change that appointment.',
  );

/**
 * The appointment, its audit row and its write-back (when it is to be
 * confirmed now) in one statement: one round trip, under load the most
 * of a booking's cost. Its id is made here, so the three need not wait on
 * each other.
 */
async function insertAppointment(
  trx: Db,
  actor: Actor,
  f: Facts,
  p: {
    patientId: string;
    slotId: number;
    visitTypeId: string;
    mode?: 'in_person' | 'video';
    /** Moving a visit the clinic already approved: no new request. */
    approved?: boolean;
  },
  movedFrom?: string,
): Promise<Booked> {
  const status = statusOnBooking(
    {
      active: f.vt_active,
      booking: f.booking,
      patients: f.patients,
      minLeadMinutes: f.min_lead_minutes,
      maxDaysAhead: f.max_days_ahead,
      changeCutoffHours: f.change_cutoff_hours,
      maxFutureBookings: f.max_future_bookings,
    },
    actor.byStaff || p.approved === true,
  );
  const mode = f.mode === 'either' ? (p.mode ?? 'in_person') : f.mode;
  const id = randomUUID();
  const row = {
    id,
    clinic_id: f.clinic_id,
    patient_id: p.patientId,
    provider_id: f.provider_id,
    visit_type_id: p.visitTypeId,
    slot_id: p.slotId,
    starts_at: f.starts_at,
    ends_at: f.ends_at,
    mode,
    status,
    booked_by: actor.userId,
    booked_by_staff: actor.byStaff,
    rescheduled_from: movedFrom ?? null,
  };
  // The patient's lock first: the hold and the appointment are written only
  // after it (they read from `guard`), so two tabs cannot lock each other out.
  const most = actor.byStaff || movedFrom ? null : f.max_future_bookings;
  const written = trx
    .with('guard', (db) =>
      db.selectNoFrom(
        sql<boolean>`lock_patient_bookings(${p.patientId}::uuid, ${f.clinic_id}::uuid, ${most}::int)`.as(
          'ok',
        ),
      ),
    )
    .with('released', (db) =>
      db
        .deleteFrom('slot_holds')
        .where('slot_id', '=', p.slotId)
        .where('patient_id', '=', p.patientId)
        .where(sql<boolean>`(select ok from guard)`),
    )
    .with('booked', (db) =>
      db.insertInto('appointments').values({ ...row, id: sql`(select ${id}::uuid from guard)` }),
    )
    .with('audited', () =>
      auditInsert(trx, actor.source, {
        action: 'create',
        resourceType: 'Appointment',
        resourceId: id,
        patientId: p.patientId,
        clinicId: f.clinic_id,
        details: {
          status,
          byStaff: actor.byStaff,
          ...(movedFrom ? { rescheduledFrom: movedFrom } : {}),
        },
      }),
    );
  const done = sql<number>`1`.as('done');
  await trx.executeQuery(
    prepared(
      status === 'confirming'
        ? written
            .with('queued', () => enqueueInsert(trx, ehrBook(id, f, p.patientId, mode)))
            .selectNoFrom(done)
        : written.selectNoFrom(done),
    ),
  );
  const appointment = appointmentView({
    ...row,
    clinic_name: f.clinic_name,
    clinic_phone: f.clinic_phone,
    time_zone: f.time_zone,
    name_en: f.name_en,
    name_es: f.name_es,
    change_cutoff_hours: f.change_cutoff_hours,
    provider_name: f.provider_name,
    cancel_reason: null,
    checked_in_at: null,
    arrived_at: null,
    created_at: f.now,
  });
  return { id, status, appointment };
}

type BookFacts = Pick<
  Facts,
  | 'clinic_id'
  | 'ehr_slot_id'
  | 'ehr_patient_id'
  | 'ehr_practitioner_id'
  | 'starts_at'
  | 'ends_at'
  | 'name_en'
>;

/** The booking's write-back, with everything the EHR needs (the sender has no database). */
const ehrBook = (
  appointmentId: string,
  f: BookFacts,
  patientId: string,
  mode: 'in_person' | 'video',
): OutboxItem => ({
  kind: 'appointment.book',
  clinicId: f.clinic_id,
  patientId,
  payload: {
    appointmentId,
    ehrSlotId: f.ehr_slot_id,
    ehrPatientId: f.ehr_patient_id,
    ehrPractitionerId: f.ehr_practitioner_id,
    start: f.starts_at.toISOString(),
    end: f.ends_at.toISOString(),
    visitType: f.name_en,
    mode,
  } satisfies BookPayload,
  idempotencyKey: bookKey(appointmentId),
});

/** Queues the booking's write-back in the caller's transaction (an approved request). */
export async function queueEhrBook(
  trx: Db,
  appointmentId: string,
  f: BookFacts,
  patientId: string,
  mode: 'in_person' | 'video',
): Promise<void> {
  await enqueue(trx, ehrBook(appointmentId, f, patientId, mode));
}

interface Existing {
  id: string;
  clinic_id: string;
  patient_id: string;
  visit_type_id: string;
  slot_id: number;
  status: AppointmentStatus;
  starts_at: Date;
  mode: 'in_person' | 'video';
  change_cutoff_hours: number;
}

/** The appointment locked for a change, if the caller may reach it (scope decided by the route). */
async function lockAppointment(trx: Db, id: string, scope: AppointmentScope) {
  return trx
    .selectFrom('appointments')
    .innerJoin('visit_types', 'visit_types.id', 'appointments.visit_type_id')
    .select([
      'appointments.id',
      'appointments.clinic_id',
      'appointments.patient_id',
      'appointments.visit_type_id',
      'appointments.slot_id',
      'appointments.status',
      'appointments.starts_at',
      'appointments.mode',
      'visit_types.change_cutoff_hours',
    ])
    .where('appointments.id', '=', id)
    .$if('patientId' in scope, (q) =>
      q.where('appointments.patient_id', '=', (scope as { patientId: string }).patientId),
    )
    .$if('clinicIds' in scope && scope.clinicIds !== 'all', (q) =>
      q.where('appointments.clinic_id', 'in', (scope as { clinicIds: string[] }).clinicIds),
    )
    .forUpdate('appointments')
    .executeTakeFirst() as Promise<Existing | undefined>;
}

/** A patient reaches their own appointments; staff those at their clinics. */
export type AppointmentScope = { patientId: string } | { clinicIds: string[] | 'all' };

const notFound = () => new ApiError(404, 'not_found', 'That appointment was not found.');

function mayChange(a: Existing, actor: Actor, now: Date): void {
  const refusal = changeRefusal({
    now,
    startsAt: a.starts_at,
    status: a.status,
    changeCutoffHours: a.change_cutoff_hours,
    byStaff: actor.byStaff,
  });
  if (refusal === 'not_changeable')
    throw new ApiError(409, 'not_changeable', 'This appointment can no longer be changed.');
  if (refusal === 'too_late')
    throw new ApiError(
      409,
      'too_late',
      `Changes online close ${a.change_cutoff_hours} hours before the visit. Please call the clinic.`,
      { cutoffHours: a.change_cutoff_hours },
    );
}

/** Cancels with a reason; the slot is free again at once. Returns the freed slot. */
export async function cancelAppointment(
  db: Db,
  actor: Actor,
  p: { id: string; scope: AppointmentScope; reason: string; status?: 'cancelled' | 'declined' },
): Promise<{ slotId: number; clinicId: string; patientId: string }> {
  return db.transaction().execute(async (trx) => {
    const a = await lockAppointment(trx, p.id, p.scope);
    if (!a) throw notFound();
    // A request may be declined even once its time has passed, so none lingers.
    if (p.status !== 'declined') mayChange(a, actor, await dbNow(trx));
    else if (a.status !== 'requested')
      throw new ApiError(409, 'not_requested', 'This appointment is not waiting for approval.');
    await release(trx, actor, a, p.reason, p.status ?? 'cancelled');
    return { slotId: a.slot_id, clinicId: a.clinic_id, patientId: a.patient_id };
  });
}

async function release(
  trx: Db,
  actor: Actor,
  a: Existing,
  reason: string,
  status: 'cancelled' | 'declined',
): Promise<void> {
  await trx
    .updateTable('appointments')
    .set({
      status,
      cancel_reason: reason,
      cancelled_by: actor.userId,
      cancelled_at: sql<Date>`now()`,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', a.id)
    .execute();
  await trx
    .updateTable('waitlist_entries')
    .set({ status: 'ended', updated_at: sql<Date>`now()` })
    .where('appointment_id', '=', a.id)
    .where('status', '=', 'waiting')
    .execute();
  await audit(trx, actor.source, {
    action: 'update',
    resourceType: 'Appointment',
    resourceId: a.id,
    patientId: a.patient_id,
    clinicId: a.clinic_id,
    details: { status, from: a.status, byStaff: actor.byStaff },
  });
  if (a.status === 'requested') return;
  await queueEhrCancel(trx, a, reason);
  // The EHR has the time busy with this very booking, and an inventory
  // refresh may have copied that here; the cancel is on its way, so the time
  // is free again at once, to offer to the waitlist and to book.
  await trx.updateTable('slots').set({ free: true }).where('id', '=', a.slot_id).execute();
}

/** What a move knew when it failed, to explain the refusal once its transaction rolled back. */
export interface MoveAttempt {
  facts?: Facts;
  old?: Existing;
}

export type Moved = Booked & { freedSlotId: number };

/**
 * Moves an appointment to another slot in one transaction: the old one is
 * released and the new one taken, or nothing changes.
 */
export async function rescheduleAppointment(
  db: Db,
  actor: Actor,
  p: { id: string; scope: AppointmentScope; slotId: number },
): Promise<Moved> {
  const attempt: MoveAttempt = {};
  try {
    return await db.transaction().execute((trx) => moveAppointment(trx, actor, p, attempt));
  } catch (err) {
    return moveRefused(db, actor, attempt, err);
  }
}

/** The move inside the caller's transaction (accepting a waitlist offer adds its own writes to it). */
export async function moveAppointment(
  trx: Db,
  actor: Actor,
  p: { id: string; scope: AppointmentScope; slotId: number },
  attempt: MoveAttempt = {},
): Promise<Moved> {
  const old = await lockAppointment(trx, p.id, p.scope);
  attempt.old = old;
  if (!old) throw notFound();
  await lockPatient(trx, old.patient_id);
  const now = await dbNow(trx);
  mayChange(old, actor, now);
  // A moved visit keeps how it happens (video or in person).
  const ask = {
    slotId: p.slotId,
    visitTypeId: old.visit_type_id,
    patientId: old.patient_id,
    mode: old.mode,
    approved: old.status !== 'requested',
  };
  const f = await bookingFacts(trx, { ...ask, moving: old.id });
  attempt.facts = f;
  const refusal =
    f && f.clinic_id !== old.clinic_id
      ? 'unavailable'
      : check(f, { ...ask, byStaff: actor.byStaff });
  if (refusal || !f) throw new Refused(refusal ?? 'unavailable');
  await release(trx, actor, old, 'rescheduled', 'cancelled');
  const booked = await insertAppointment(trx, actor, f, ask, old.id);
  return { ...booked, freedSlotId: old.slot_id };
}

/** A failed move as the refusal a person can act on; anything that is not a refusal is rethrown. */
export async function moveRefused(
  db: Db,
  actor: Actor,
  attempt: MoveAttempt,
  err: unknown,
): Promise<never> {
  if (err instanceof ApiError) throw err;
  return refuse(db, refusalOf(err), attempt.facts, {
    visitTypeId: attempt.old?.visit_type_id ?? '',
    patientId: attempt.old?.patient_id ?? '',
    byStaff: actor.byStaff,
  });
}

async function dbNow(trx: Db): Promise<Date> {
  const r = await sql<{ now: Date }>`select now() as now`.execute(trx);
  return (r.rows[0] as { now: Date }).now;
}
