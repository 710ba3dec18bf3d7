// Check-in before a visit: from three days before until the start, the
// patient confirms or corrects their contact details, insurance, medications
// and allergies and answers the visit type's questionnaire. Nothing goes
// into the patient's record or the EHR: the answers wait for staff review.
// On the day, "I'm here" tells the front desk the patient has arrived.
import { type Kysely, sql } from 'kysely';
import { type AuditSource, audit } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { toAllergy, toMedication } from '../records/map.ts';
import { type CachedRow, cachedPage } from '../records/store.ts';
import {
  changedSections,
  changesOf,
  checkInProblems,
  validationFailed,
} from './check-in-changes.ts';
import type {
  ArrivalRefusal,
  CheckInBody,
  CheckInChanges,
  CheckInRefusal,
  CheckInView,
  CurrentValues,
} from './check-in-model.ts';
import {
  ARRIVAL_CLOSES_MINUTES,
  ARRIVAL_OPENS_MINUTES,
  arrivalRefusal,
  arrivalWindow,
  CHECK_IN_OPENS_HOURS,
  checkInRefusal,
  checkInWindow,
} from './check-in-windows.ts';
import type { Questionnaire } from './questionnaire.ts';
import { findAppointment } from './views.ts';

type Db = Kysely<Schema>;

const CHECK_IN_MESSAGES: Record<CheckInRefusal, string> = {
  not_live: 'This appointment is not booked, so there is nothing to check in for.',
  not_confirmed:
    "Check-in opens once the clinic's system has confirmed this appointment. Please try again in a few minutes.",
  not_yet: `Check-in opens ${CHECK_IN_OPENS_HOURS / 24} days (${CHECK_IN_OPENS_HOURS} hours) before the appointment.`,
  started: 'Check-in has closed because the appointment has started. Please see the front desk.',
  arrived: 'You are marked as arrived. Please give any changes to the front desk.',
  reviewed:
    'The clinic has already reviewed your check-in. Please give any other changes to the front desk.',
};

const ARRIVAL_MESSAGES: Record<ArrivalRefusal, string> = {
  not_live: 'This appointment is not booked. Please see the front desk.',
  not_confirmed:
    "The clinic's system has not confirmed this appointment yet. Please see the front desk.",
  not_yet: `"I'm here" opens ${ARRIVAL_OPENS_MINUTES} minutes before the appointment.`,
  too_late: `"I'm here" closes ${ARRIVAL_CLOSES_MINUTES} minutes after the appointment's start. Please see the front desk.`,
};

// ---- What the portal knows about the patient now -----------------------------

/** Entries of a list the EHR marks active, read page by page from the clinical cache. */
async function activeEntries(
  db: Db,
  patientId: string,
  resourceType: 'MedicationRequest' | 'AllergyIntolerance',
  isActive: (row: CachedRow) => boolean,
): Promise<CachedRow[]> {
  const found: CachedRow[] = [];
  // Active entries come first; stop at the first page that has others.
  for (let page = 1; page <= 10; page++) {
    const { rows, hasMore } = await cachedPage(db, {
      patientId,
      resourceType,
      activeFirst: true,
      page,
    });
    const active = rows.filter(isActive);
    found.push(...active);
    if (!hasMore || active.length < rows.length) break;
  }
  return found;
}

const NO_NAMES = new Map<string, string>();

export async function currentValues(db: Db, patientId: string): Promise<CurrentValues> {
  const p = await db
    .selectFrom('patients')
    .select(['given_name', 'family_name', 'birth_date', 'phone', 'email'])
    .where('id', '=', patientId)
    .executeTakeFirstOrThrow();
  const medications = (
    await activeEntries(db, patientId, 'MedicationRequest', (r) => r.resource.status === 'active')
  ).map((r) => toMedication(r.resource, NO_NAMES));
  const allergies = (
    await activeEntries(
      db,
      patientId,
      'AllergyIntolerance',
      (r) => toAllergy(r.resource).clinicalStatus === 'active',
    )
  ).map((r) => toAllergy(r.resource));
  return {
    demographics: {
      givenName: p.given_name,
      familyName: p.family_name,
      birthDate: p.birth_date,
      phone: p.phone,
      email: p.email,
    },
    // The sync does not copy Coverage from the EHR, so the portal knows no insurance.
    insurance: null,
    medications: medications.map((m) => ({ id: m.id, name: m.name, instructions: m.instructions })),
    allergies: allergies.map((a) => ({
      id: a.id,
      substance: a.substance,
      reactions: a.reactions.flatMap((r) => r.manifestations),
    })),
  };
}

const asJson = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export async function visitTypeQuestionnaire(db: Db, visitTypeId: string) {
  const row = await db
    .selectFrom('visit_types')
    .select('questionnaire')
    .where('id', '=', visitTypeId)
    .executeTakeFirst();
  return asJson<Questionnaire | null>(row?.questionnaire ?? null);
}

// ---- The patient's page --------------------------------------------------------

/** Everything the check-in page shows; undefined when the appointment is not the patient's. */
export async function checkInView(
  db: Db,
  appointmentId: string,
  patientId: string,
): Promise<CheckInView | undefined> {
  const appointment = await findAppointment(db, appointmentId, { patientId });
  if (!appointment) return undefined;
  const [now, startsAt] = [new Date(), new Date(appointment.startsAt)];
  const row = await db
    .selectFrom('appointment_checkins')
    .select(['changes', 'questionnaire_response', 'submitted_at', 'reviewed_at'])
    .where('appointment_id', '=', appointmentId)
    .executeTakeFirst();
  const checkIn = checkInRefusal({
    now,
    startsAt,
    status: appointment.status,
    reviewed: Boolean(row?.reviewed_at),
  });
  const arrival = arrivalRefusal({ now, startsAt, status: appointment.status });
  const window = (w: { opensAt: Date; closesAt: Date }, refusal: string | null) => ({
    open: refusal === null,
    opensAt: w.opensAt.toISOString(),
    closesAt: w.closesAt.toISOString(),
    refusal,
  });
  return {
    appointment,
    checkIn: window(checkInWindow(startsAt), checkIn) as CheckInView['checkIn'],
    arrival: window(arrivalWindow(startsAt), arrival) as CheckInView['arrival'],
    current: await currentValues(db, patientId),
    questionnaire: await visitTypeQuestionnaire(db, appointment.visitTypeId),
    submission: row
      ? {
          submittedAt: row.submitted_at.toISOString(),
          reviewedAt: row.reviewed_at?.toISOString() ?? null,
          changes: asJson<CheckInChanges>(row.changes),
          questionnaireResponse: asJson(row.questionnaire_response),
        }
      : null,
  };
}

// ---- Submitting -------------------------------------------------------------------

/**
 * Stores the check-in for staff review (a resubmission before review
 * replaces it) and marks the appointment checked in. The caller has made
 * sure the appointment is the patient's.
 */
export async function submitCheckIn(
  db: Db,
  actor: { source: AuditSource; userId: string },
  p: { appointmentId: string; patientId: string; body: CheckInBody },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const a = await trx
      .selectFrom('appointments')
      .select(['id', 'clinic_id', 'visit_type_id', 'starts_at', 'status'])
      .where('id', '=', p.appointmentId)
      .where('patient_id', '=', p.patientId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const before = await trx
      .selectFrom('appointment_checkins')
      .select('reviewed_at')
      .where('appointment_id', '=', a.id)
      .executeTakeFirst();
    const refusal = checkInRefusal({
      now: new Date(),
      startsAt: a.starts_at,
      status: a.status,
      reviewed: Boolean(before?.reviewed_at),
    });
    if (refusal) throw refused('check_in', refusal, checkInWindow(a.starts_at));
    const current = await currentValues(trx, p.patientId);
    const questionnaire = await visitTypeQuestionnaire(trx, a.visit_type_id);
    const problems = checkInProblems(p.body, current, questionnaire);
    if (problems.length > 0) throw validationFailed(problems);
    const changes = changesOf(p.body, current);
    const row = {
      changes: JSON.stringify(changes),
      questionnaire_response: p.body.questionnaireResponse
        ? JSON.stringify(p.body.questionnaireResponse)
        : null,
      submitted_by: actor.userId,
      submitted_at: sql<Date>`now()`,
    };
    await trx
      .insertInto('appointment_checkins')
      .values({ appointment_id: a.id, ...row })
      .onConflict((oc) => oc.column('appointment_id').doUpdateSet(row))
      .execute();
    await trx
      .updateTable('appointments')
      .set({
        status: 'checked_in',
        checked_in_at: sql<Date>`coalesce(checked_in_at, now())`,
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', a.id)
      .execute();
    // Field names only: the values are the patient's.
    await audit(trx, actor.source, {
      action: before ? 'update' : 'create',
      resourceType: 'CheckIn',
      resourceId: a.id,
      patientId: p.patientId,
      clinicId: a.clinic_id,
      details: {
        changed: changedSections(changes, Boolean(p.body.questionnaireResponse)),
        demographics: Object.keys(changes.demographics),
      },
    });
  });
}

function refused(
  what: 'check_in' | 'arrival',
  refusal: CheckInRefusal | ArrivalRefusal,
  w: { opensAt: Date; closesAt: Date },
): ApiError {
  const message =
    what === 'check_in'
      ? CHECK_IN_MESSAGES[refusal as CheckInRefusal]
      : ARRIVAL_MESSAGES[refusal as ArrivalRefusal];
  return new ApiError(409, `${what}_${refusal}`, message, {
    opensAt: w.opensAt.toISOString(),
    closesAt: w.closesAt.toISOString(),
  });
}

/** "I'm here": within the window on the day, the appointment is marked arrived (again is fine). */
export async function arrive(
  db: Db,
  source: AuditSource,
  p: { appointmentId: string; patientId: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const a = await trx
      .selectFrom('appointments')
      .select(['id', 'clinic_id', 'starts_at', 'status'])
      .where('id', '=', p.appointmentId)
      .where('patient_id', '=', p.patientId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const refusal = arrivalRefusal({ now: new Date(), startsAt: a.starts_at, status: a.status });
    if (refusal) throw refused('arrival', refusal, arrivalWindow(a.starts_at));
    if (a.status === 'arrived') return;
    await trx
      .updateTable('appointments')
      .set({ status: 'arrived', arrived_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
      .where('id', '=', a.id)
      .execute();
    await audit(trx, source, {
      action: 'update',
      resourceType: 'Appointment',
      resourceId: a.id,
      patientId: p.patientId,
      clinicId: a.clinic_id,
      details: { status: 'arrived', from: a.status, by: 'patient' },
    });
  });
}
