// Appointments beside the EHR's. The portal's side: appointments the EHR
// confirmed (the outbox set ehr_appointment_id), still live and not over.
// The EHR's side: Appointment/<ehr id>, and the busy Slots of the clinic's
// schedules in the next days. Three kinds of difference:
// - missing: the EHR no longer has the appointment → book it again (push);
// - changed: the EHR cancelled it (or marked it no-show or entered in
//   error) → the portal follows (take the EHR's), or it was moved to
//   another time or clinician → staff call the patient (review);
// - slot booked: a request waiting for staff holds a slot the EHR has given
//   to someone else → staff call the patient (review).
// Free slots the EHR has meanwhile filled are marked taken on the way, as
// the inventory refresh would; that alone is routine, not a discrepancy.
import type { Appointment, Slot } from '@medplum/fhirtypes';
import { sql } from 'kysely';
import { type CheckContext, type CheckResult, type DiscrepancyCheck, inBatches } from './checks.ts';

/** How far ahead the slot check compares the portal's slots with the EHR's. */
export const SLOT_CHECK_DAYS = 14;
/** EHR statuses that end an appointment: the portal follows them. */
export const ENDED_IN_EHR = ['cancelled', 'noshow', 'entered-in-error'] as const;
/** Schedules per Slot search, so the query string stays short. */
const SCHEDULES_PER_SEARCH = 20;

/** An appointment as both sides describe it: the fields the desk shows side by side. */
export interface AppointmentVersion {
  status: string;
  start: string;
  end: string;
  practitioner: string;
}

interface Confirmed {
  id: string;
  clinic_id: string;
  patient_id: string;
  status: string;
  starts_at: Date;
  ends_at: Date;
  ehr_appointment_id: string;
  ehr_practitioner_id: string;
}

/** Appointments the EHR confirmed that are still live in the portal and not over yet. */
async function confirmedAppointments({ db, scope }: CheckContext): Promise<Confirmed[]> {
  return (
    db
      .selectFrom('appointments as a')
      .innerJoin('providers as pr', 'pr.id', 'a.provider_id')
      .select([
        'a.id',
        'a.clinic_id',
        'a.patient_id',
        'a.status',
        'a.starts_at',
        'a.ends_at',
        sql<string>`a.ehr_appointment_id`.as('ehr_appointment_id'),
        'pr.ehr_practitioner_id',
      ])
      .where('a.ehr_appointment_id', 'is not', null)
      // 'confirming' is on its way (a booking sent again): the outbox settles it.
      .where('a.status', 'in', ['booked', 'checked_in', 'arrived'])
      .where('a.ends_at', '>', sql<Date>`now()`)
      .$if(!!scope.clinicId, (q) => q.where('a.clinic_id', '=', scope.clinicId as string))
      .$if(!!scope.patientId, (q) => q.where('a.patient_id', '=', scope.patientId as string))
      .orderBy('a.starts_at')
      .execute()
  );
}

/** The FHIR status the portal's appointment stands for (check-in before the visit is the portal's own). */
function portalVersion(a: Confirmed): AppointmentVersion {
  return {
    status: a.status === 'arrived' ? 'arrived' : 'booked',
    start: a.starts_at.toISOString(),
    end: a.ends_at.toISOString(),
    practitioner: `Practitioner/${a.ehr_practitioner_id}`,
  };
}

const instant = (v: string | undefined) => (v ? new Date(v).toISOString() : '');

/** 'Practitioner/<id>' from a relative or absolute reference (with or without a version). */
const practitionerOf = (reference: string) => {
  const id = /(?:^|\/)Practitioner\/([^/]+)/.exec(reference)?.[1];
  return id ? `Practitioner/${id}` : undefined;
};

export function ehrVersion(e: Appointment): AppointmentVersion {
  const practitioner = (e.participant ?? [])
    .map((p) => practitionerOf(p.actor?.reference ?? ''))
    .find(Boolean);
  return {
    status: e.status,
    start: instant(e.start),
    end: instant(e.end),
    practitioner: practitioner ?? '',
  };
}

/** How the EHR's appointment differs from the portal's: ended there, moved, or not at all. */
export function appointmentChange(
  portal: AppointmentVersion,
  ehr: AppointmentVersion,
): 'ended' | 'moved' | null {
  if ((ENDED_IN_EHR as readonly string[]).includes(ehr.status)) return 'ended';
  const moved =
    ehr.start !== portal.start ||
    ehr.end !== portal.end ||
    ehr.practitioner !== portal.practitioner;
  return moved ? 'moved' : null;
}

/** Reads each confirmed appointment from the EHR and hands both sides to `compare`. */
async function eachConfirmed(
  ctx: CheckContext,
  compare: (a: Confirmed, ehr: Appointment | null, result: CheckResult) => void,
): Promise<CheckResult> {
  const result: CheckResult = { checked: [], findings: [], errors: 0 };
  await inBatches(await confirmedAppointments(ctx), 4, async (a) => {
    let ehr: Appointment | null;
    try {
      ehr = await ctx.gateway.read<Appointment>('Appointment', a.ehr_appointment_id);
    } catch {
      result.errors++;
      return;
    }
    compare(a, ehr, result);
  });
  return result;
}

export const appointmentMissingCheck: DiscrepancyCheck = {
  type: 'appointment_missing_in_ehr',
  run: (ctx) =>
    eachConfirmed(ctx, (a, ehr, result) => {
      const subjectKey = `Appointment/${a.id}`;
      result.checked.push(subjectKey);
      if (ehr) return;
      result.findings.push({
        type: 'appointment_missing_in_ehr',
        clinicId: a.clinic_id,
        patientId: a.patient_id,
        subjectKey,
        severity: 'high',
        portalVersion: { ...portalVersion(a) },
        ehrVersion: null,
        ehrReference: `Appointment/${a.ehr_appointment_id}`,
        suggestedAction: 'push_portal',
      });
    }),
};

export const appointmentChangedCheck: DiscrepancyCheck = {
  type: 'appointment_changed_in_ehr',
  run: (ctx) =>
    eachConfirmed(ctx, (a, ehr, result) => {
      // A missing one is the other check's; nothing to compare here.
      if (!ehr) return;
      const subjectKey = `Appointment/${a.id}`;
      result.checked.push(subjectKey);
      const ours = portalVersion(a);
      const theirs = ehrVersion(ehr);
      const change = appointmentChange(ours, theirs);
      if (!change) return;
      result.findings.push({
        type: 'appointment_changed_in_ehr',
        clinicId: a.clinic_id,
        patientId: a.patient_id,
        subjectKey,
        severity: change === 'ended' ? 'high' : 'medium',
        portalVersion: { ...ours },
        ehrVersion: { ...theirs },
        ehrReference: `Appointment/${a.ehr_appointment_id}`,
        ehrVersionId: ehr.meta?.versionId,
        // The portal follows an ending; a move needs a person to agree a time with the patient.
        suggestedAction: change === 'ended' ? 'take_ehr' : 'review',
      });
    }),
};

interface Request {
  id: string;
  clinic_id: string;
  patient_id: string;
  slot_id: number;
  ehr_slot_id: string;
  starts_at: Date;
  ends_at: Date;
}

const window = () => {
  const from = new Date();
  return { from, to: new Date(from.getTime() + SLOT_CHECK_DAYS * 86_400_000) };
};

/** Requests waiting for staff in the window: they hold a portal slot the EHR knows nothing of. */
async function waitingRequests({ db, scope }: CheckContext, w: { from: Date; to: Date }) {
  return db
    .selectFrom('appointments as a')
    .innerJoin('slots as s', 's.id', 'a.slot_id')
    .select([
      'a.id',
      'a.clinic_id',
      'a.patient_id',
      'a.slot_id',
      's.ehr_slot_id',
      'a.starts_at',
      'a.ends_at',
    ])
    .where('a.status', '=', 'requested')
    .where('a.starts_at', '>=', w.from)
    .where('a.starts_at', '<', w.to)
    .$if(!!scope.clinicId, (q) => q.where('a.clinic_id', '=', scope.clinicId as string))
    .$if(!!scope.patientId, (q) => q.where('a.patient_id', '=', scope.patientId as string))
    .execute() as Promise<Request[]>;
}

/** The clinics to compare: the one asked for, the patient's requests' clinics, or all. */
async function clinicsToCompare(ctx: CheckContext, requests: Request[]): Promise<string[]> {
  if (ctx.scope.patientId) return [...new Set(requests.map((r) => r.clinic_id))];
  if (ctx.scope.clinicId) return [ctx.scope.clinicId];
  return (await ctx.db.selectFrom('clinics').select('id').orderBy('id').execute()).map((c) => c.id);
}

/** Ids of the EHR's busy Slots of the clinic's active providers in the window. */
async function busyInEhr(ctx: CheckContext, clinicId: string, w: { from: Date; to: Date }) {
  const schedules = await ctx.db
    .selectFrom('providers')
    .select('ehr_schedule_id')
    .where('clinic_id', '=', clinicId)
    .where('active', '=', true)
    .orderBy('ehr_schedule_id')
    .execute();
  const busy = new Set<string>();
  for (let i = 0; i < schedules.length; i += SCHEDULES_PER_SEARCH) {
    const slots = await ctx.gateway.search<Slot>('Slot', {
      schedule: schedules
        .slice(i, i + SCHEDULES_PER_SEARCH)
        .map((s) => `Schedule/${s.ehr_schedule_id}`)
        .join(','),
      start: [`ge${w.from.toISOString()}`, `lt${w.to.toISOString()}`],
      status: 'busy',
    });
    for (const s of slots) if (s.id && s.status === 'busy') busy.add(s.id);
  }
  return busy;
}

export const slotBookedCheck: DiscrepancyCheck = {
  type: 'slot_booked_in_ehr',
  async run(ctx) {
    const result: CheckResult = { checked: [], findings: [], errors: 0 };
    const w = window();
    const requests = await waitingRequests(ctx, w);
    for (const clinicId of await clinicsToCompare(ctx, requests)) {
      const mine = requests.filter((r) => r.clinic_id === clinicId);
      let busy: Set<string>;
      try {
        busy = await busyInEhr(ctx, clinicId, w);
      } catch {
        result.errors += Math.max(1, mine.length);
        continue;
      }
      if (busy.size > 0)
        await ctx.db
          .updateTable('slots')
          .set({ free: false })
          .where('clinic_id', '=', clinicId)
          .where('free', '=', true)
          .where('ehr_slot_id', 'in', [...busy])
          .execute();
      for (const r of mine) {
        const subjectKey = `Slot/${r.ehr_slot_id}`;
        result.checked.push(subjectKey);
        if (!busy.has(r.ehr_slot_id)) continue;
        const times = { start: r.starts_at.toISOString(), end: r.ends_at.toISOString() };
        result.findings.push({
          type: 'slot_booked_in_ehr',
          clinicId,
          patientId: r.patient_id,
          subjectKey,
          severity: 'high',
          portalVersion: { appointment: r.id, status: 'requested', ...times },
          ehrVersion: { slot: r.ehr_slot_id, status: 'busy', ...times },
          ehrReference: `Slot/${r.ehr_slot_id}`,
          suggestedAction: 'review',
        });
      }
    }
    return result;
  },
};
