// The patient's side of a refill request: the medications with what may be
// asked for, submitting (all or nothing, one open request per medication
// whatever the clicks and tabs), cancelling and answering the care team.
import type { Kysely } from 'kysely';
import { type AuditSource, audit } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { localDate } from '../../platform/time/zoned-time.ts';
import { clinicRefillRules } from './clinic-rules.ts';
import { controlledSchedule } from './controlled.ts';
import { moveStatus, recordEvent } from './events.ts';
import { type PatientMedication, patientMedications } from './medications.ts';
import type { Eligibility, MedicationRefill, RefillSubmit } from './model.ts';
import { queueRefillNotice } from './notices.ts';
import { eligibility, withLastSent } from './rules.ts';
import { OPEN, type RefillStatus, UNDECIDED } from './tables.ts';
import { queueRefillTask, queueRefillWithdrawal } from './writeback.ts';

type Db = Kysely<Schema>;

export interface PatientActor {
  source: AuditSource;
  userId: string;
}

export interface Clinic {
  id: string;
  name: string;
  time_zone: string;
}

/** The clinics the patient is registered at, first registration first. */
export function patientClinics(db: Db, patientId: string): Promise<Clinic[]> {
  return db
    .selectFrom('patient_clinics as pc')
    .innerJoin('clinics as c', 'c.id', 'pc.clinic_id')
    .select(['c.id', 'c.name', 'c.time_zone'])
    .where('pc.patient_id', '=', patientId)
    .orderBy('pc.registered_at')
    .orderBy('c.id')
    .execute();
}

/** Today's date at the clinic: "too soon" counts the clinic's days. */
export const clinicToday = (timeZone: string, now = new Date()) =>
  new Intl.DateTimeFormat('en-CA', { timeZone }).format(now);

/** The patient's open requests, by EHR medication id. */
async function openRequests(db: Db, patientId: string) {
  const rows = await db
    .selectFrom('refill_requests')
    .select(['id', 'status', 'ehr_medication_request_id'])
    .where('patient_id', '=', patientId)
    .where('status', 'in', [...OPEN])
    .execute();
  return new Map(rows.map((r) => [r.ehr_medication_request_id, r]));
}

/**
 * The clinic's calendar day each medication last had a refill sent to the EHR,
 * by the id of the order asked about and of the new order the refill made.
 */
async function lastSent(db: Db, patientId: string, timeZone: string) {
  const rows = await db
    .selectFrom('refill_requests as r')
    .innerJoin('refill_events as e', (j) =>
      j.onRef('e.request_id', '=', 'r.id').on('e.kind', '=', 'sent'),
    )
    .select(['r.ehr_medication_request_id', 'r.new_ehr_medication_request_id', 'e.created_at'])
    .where('r.patient_id', '=', patientId)
    .where('r.status', '=', 'sent')
    .execute();
  const by = new Map<string, string>();
  for (const r of rows) {
    const on = localDate(timeZone, r.created_at.getTime());
    for (const id of [r.ehr_medication_request_id, r.new_ehr_medication_request_id])
      if (id && on > (by.get(id) ?? '')) by.set(id, on);
  }
  return by;
}

function judged(
  m: PatientMedication,
  rules: { earlyDays: number; controlledOnline: boolean },
  today: string,
  known: { hasOpenRequest: boolean; sentOn: string | null },
): { schedule: 2 | 3 | 4 | 5 | null; eligibility: Eligibility } {
  const schedule = controlledSchedule({ rxnormCode: m.rxnormCode, name: m.name });
  const facts = {
    status: m.status,
    controlledSchedule: schedule,
    refillsRemaining: m.refillsRemaining,
    lastFilledOn: m.lastFilledOn,
    daysSupply: m.daysSupply,
    hasOpenRequest: known.hasOpenRequest,
  };
  return {
    schedule,
    eligibility: eligibility(withLastSent(facts, known.sentOn, today), rules, today),
  };
}

/** Each medication with whether it can be asked for online at the clinic, and why not. */
export async function medicationRefills(
  db: Db,
  patientId: string,
  clinic: Clinic,
  now = new Date(),
): Promise<MedicationRefill[]> {
  const [meds, open, sent, rules] = await Promise.all([
    patientMedications(db, patientId, clinic.time_zone),
    openRequests(db, patientId),
    lastSent(db, patientId, clinic.time_zone),
    clinicRefillRules(db, clinic.id),
  ]);
  const today = clinicToday(clinic.time_zone, now);
  return meds.map((m) => {
    const request = open.get(m.id);
    const { schedule, eligibility } = judged(m, rules, today, {
      hasOpenRequest: request !== undefined,
      sentOn: sent.get(m.id) ?? null,
    });
    return {
      id: m.id,
      name: m.name,
      rxnormCode: m.rxnormCode,
      status: m.status,
      instructions: m.instructions,
      prescriber: m.prescriber,
      prescribedOn: m.prescribedOn,
      lastFilledOn: m.lastFilledOn,
      daysSupply: m.daysSupply,
      refillsRemaining: m.refillsRemaining,
      controlledSchedule: schedule,
      eligibility,
      openRequest: request ? { id: request.id, status: request.status } : null,
    };
  });
}

export interface Submitted {
  /** One per medication asked for, in the order asked. */
  ids: string[];
  /** Those this submission created (the rest were already open: a repeat). */
  created: string[];
}

/**
 * Submits requests for the medications in one transaction: every one is
 * refused unless all may be asked for. A medication that already has an open
 * request gets that request back instead of a second one (the unique index
 * refill_requests_one_open decides, so simultaneous submissions agree).
 */
export async function submitRefills(
  db: Db,
  actor: PatientActor,
  p: { patientId: string; clinic: Clinic; body: RefillSubmit; publicUrl: string },
): Promise<Submitted> {
  const { patientId, clinic, body } = p;
  return db.transaction().execute(async (trx) => {
    // One order for every submission, so two that overlap never wait on each other crosswise.
    const wanted = [...body.medicationIds].sort();
    // What is not the patient's is refused (404, audited) before any mistake in the form (400).
    const meds = await knownMedications(trx, patientId, wanted, clinic.time_zone);
    await requirePharmacy(trx, clinic.id, body.pharmacyId);
    const rules = await clinicRefillRules(trx, clinic.id);
    const sent = await lastSent(trx, patientId, clinic.time_zone);
    const today = clinicToday(clinic.time_zone);
    // An open request is no refusal here: the submission returns it (openRequestFor).
    const judgements = meds.map((m) => ({
      m,
      e: judged(m, rules, today, { hasOpenRequest: false, sentOn: sent.get(m.id) ?? null })
        .eligibility,
    }));
    const refused = judgements.filter((j) => j.e.refusal !== null);
    if (refused.length > 0)
      throw new ApiError(
        409,
        'not_eligible',
        'Some of the medications chosen cannot be requested online right now. Each one shows why; remove those and send the others, or call the clinic.',
        refused.map((j) => ({ medicationId: j.m.id, refusal: j.e.refusal })),
      );
    if (body.savePharmacy) await savePreferredPharmacy(trx, patientId, body.pharmacyId);
    const byMedication = new Map<string, string>();
    const created: string[] = [];
    for (const { m, e } of judgements) {
      const made = await openRequestFor(trx, actor, {
        patientId,
        clinicId: clinic.id,
        medication: m,
        kind: e.kind ?? 'refill',
        pharmacyId: body.pharmacyId,
        note: body.note?.trim() || null,
        publicUrl: p.publicUrl,
      });
      byMedication.set(m.id, made.id);
      if (made.created) created.push(made.id);
    }
    return { ids: body.medicationIds.map((id) => byMedication.get(id) as string), created };
  });
}

async function requirePharmacy(trx: Db, clinicId: string, pharmacyId: string) {
  const found = await trx
    .selectFrom('pharmacies')
    .select('id')
    .where('id', '=', pharmacyId)
    .where('clinic_id', '=', clinicId)
    .where('active', '=', true)
    .executeTakeFirst();
  if (!found)
    throw new ApiError(
      400,
      'validation_failed',
      "pharmacyId: That pharmacy is not in the clinic's list. Please choose one from the list.",
      [{ field: 'pharmacyId', message: "is not in the clinic's list of pharmacies" }],
    );
}

/** The medications from the patient's record; one not there is not found (the route audits it). */
async function knownMedications(
  trx: Db,
  patientId: string,
  ids: string[],
  timeZone: string,
): Promise<PatientMedication[]> {
  // One load of the record for all of them: each load reads every cached page.
  const meds = await patientMedications(trx, patientId, timeZone);
  const byId = new Map(meds.map((m) => [m.id, m]));
  return ids.map((id) => {
    const m = byId.get(id);
    if (m) return m;
    throw new ApiError(404, 'not_found', 'That medication was not found in your record.', {
      medicationId: id,
    });
  });
}

async function savePreferredPharmacy(trx: Db, patientId: string, pharmacyId: string) {
  await trx
    .insertInto('patient_pharmacies')
    .values({ patient_id: patientId, pharmacy_id: pharmacyId })
    .onConflict((oc) =>
      oc.column('patient_id').doUpdateSet({ pharmacy_id: pharmacyId, updated_at: new Date() }),
    )
    .execute();
}

/**
 * The open request for the medication: a new one (its timeline entry, its
 * Task for the EHR, the patient's confirmation) or the one already open.
 */
async function openRequestFor(
  trx: Db,
  actor: PatientActor,
  r: {
    patientId: string;
    clinicId: string;
    medication: PatientMedication;
    kind: 'refill' | 'renewal';
    pharmacyId: string;
    note: string | null;
    publicUrl: string;
  },
): Promise<{ id: string; created: boolean }> {
  const m = r.medication;
  // An open one found by the insert can be cancelled before we read it: try again then.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await trx
      .insertInto('refill_requests')
      .values({
        clinic_id: r.clinicId,
        patient_id: r.patientId,
        ehr_medication_request_id: m.id,
        medication_name: m.name,
        rxnorm_code: m.rxnormCode,
        ehr_prescriber_id: m.ehrPrescriberId,
        kind: r.kind,
        pharmacy_id: r.pharmacyId,
        note: r.note,
        requested_by: actor.userId,
      })
      .onConflict((oc) =>
        oc
          .columns(['patient_id', 'ehr_medication_request_id'])
          .where('status', 'in', [...OPEN])
          .doNothing(),
      )
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      await recordEvent(trx, inserted.id, 'requested', { actorUserId: actor.userId });
      await queueRefillTask(trx, inserted.id);
      await queueRefillNotice(trx, inserted.id, r.publicUrl, 'received');
      await audit(trx, actor.source, {
        action: 'create',
        resourceType: 'RefillRequest',
        resourceId: inserted.id,
        patientId: r.patientId,
        clinicId: r.clinicId,
        details: { kind: r.kind },
      });
      return { id: inserted.id, created: true };
    }
    const existing = (await openRequests(trx, r.patientId)).get(m.id);
    if (existing) {
      await audit(trx, actor.source, {
        action: 'view',
        resourceType: 'RefillRequest',
        resourceId: existing.id,
        patientId: r.patientId,
        details: { repeatedSubmission: true },
      });
      return { id: existing.id, created: false };
    }
  }
  throw new ApiError(409, 'busy', 'This request changed while it was sent. Please try again.');
}

/** The patient's request, locked for a change; another patient's reads as missing. */
async function ownRequest(trx: Db, patientId: string, id: string) {
  const row = await trx
    .selectFrom('refill_requests')
    .select(['id', 'status', 'clinic_id'])
    .where('id', '=', id)
    .where('patient_id', '=', patientId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new ApiError(404, 'not_found', 'That refill request was not found.');
  return row;
}

const TOO_LATE: Partial<Record<RefillStatus, string>> = {
  approved: 'It was already approved and is on its way to the pharmacy.',
  sent: 'It was already sent to the pharmacy.',
  denied: 'The care team has already decided it.',
  cancelled: 'It is already cancelled.',
  stopped: 'It was stopped because the medication changed in your record.',
};

/** Cancels while the care team has not decided yet, in the EHR too. */
export async function cancelRefill(db: Db, actor: PatientActor, patientId: string, id: string) {
  await db.transaction().execute(async (trx) => {
    const row = await ownRequest(trx, patientId, id);
    if (!(await moveStatus(trx, id, UNDECIDED, 'cancelled', { actorUserId: actor.userId })))
      throw new ApiError(
        409,
        'not_cancellable',
        `This request can no longer be cancelled. ${TOO_LATE[row.status] ?? ''} Call the clinic if you need to change it.`.trim(),
        { status: row.status },
      );
    await audit(trx, actor.source, {
      action: 'update',
      resourceType: 'RefillRequest',
      resourceId: id,
      patientId,
      clinicId: row.clinic_id,
      details: { status: 'cancelled' },
    });
    // What the EHR has not been sent yet stays unsent; a Task it has is cancelled.
    await queueRefillWithdrawal(trx, id, 'Cancelled by the patient in the portal.');
  });
}

/** The patient's answer to the care team's question, while one is waiting. */
export async function answerRefill(
  db: Db,
  actor: PatientActor,
  patientId: string,
  id: string,
  text: string,
) {
  await db.transaction().execute(async (trx) => {
    const row = await ownRequest(trx, patientId, id);
    if (!UNDECIDED.includes(row.status) || !(await questionWaiting(trx, id)))
      throw new ApiError(
        409,
        'no_question',
        'There is no question from your care team waiting for an answer on this request. To add something else, call the clinic.',
      );
    await recordEvent(trx, id, 'answer', { text: text.trim(), actorUserId: actor.userId });
    await trx
      .updateTable('refill_requests')
      .set({ updated_at: new Date() })
      .where('id', '=', id)
      .execute();
    await audit(trx, actor.source, {
      action: 'update',
      resourceType: 'RefillRequest',
      resourceId: id,
      patientId,
      clinicId: row.clinic_id,
      details: { event: 'answer' },
    });
  });
}

/** Whether the latest question or answer on the timeline is a question. */
async function questionWaiting(trx: Db, id: string): Promise<boolean> {
  const last = await trx
    .selectFrom('refill_events')
    .select('kind')
    .where('request_id', '=', id)
    .where('kind', 'in', ['question', 'answer'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return last?.kind === 'question';
}
