// Refill requests reach the EHR through the outbox.
// - 'refill.request' creates the FHIR Task that asks the prescriber for the
//   refill (focus: the MedicationRequest, for/requester: the Patient, owner:
//   the prescriber). Its code is the base FHIR task code 'fulfill' ("fulfill
//   the focal request") with the text "Prescription refill request" (or
//   "renewal"), and a portal coding (REFILL_KIND_SYSTEM) saying which; the
//   patient's note and the chosen pharmacy travel as the Task's notes.
// - 'refill.decision' sends the clinic's decision. The Task is created first
//   when it is not there yet (the request's own row may still be waiting):
//   both are conditional creates on the portal's identifier, so there is only
//   ever one. An approval creates the new MedicationRequest (a copy of the
//   original with priorPrescription set) and completes the Task; a denial
//   rejects it with the reason. When the EHR stopped or changed the
//   medication meanwhile, nothing is ordered: the Task is cancelled, the
//   request stops, the patient is told and staff get a discrepancy. Staff
//   also get one when the decision cannot be sent at all (the row dies), and
//   when the order arrives after the portal closed the request.
// Both resources carry identifier REFILL_IDENTIFIER_SYSTEM|<portal request
// id>, so a resend finds what an earlier try made instead of a second one.
import type { Annotation, Medication, MedicationRequest, Task } from '@medplum/fhirtypes';
import { type Kysely, sql } from 'kysely';
import { EhrError, type EhrGateway } from '../../ehr/gateway/gateway.ts';
import { confirmationOf, registerOutboxKind } from '../../ehr/outbox/kinds.ts';
import { enqueue } from '../../ehr/outbox/outbox.ts';
import { audit, SYSTEM_SOURCE } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { conceptText } from '../records/map.ts';
import { moveStatus } from './events.ts';
import { queueRefillNotice } from './notices.ts';
import { notRefillable, type RefillKind } from './tables.ts';

type Db = Kysely<Schema>;

/** The portal's request id as an identifier on the Task and the new order. */
export const REFILL_IDENTIFIER_SYSTEM = 'urn:patient-portal:refill-request';
/** Says whether the Task asks for a refill or a renewal (a new order: no refills left). */
export const REFILL_KIND_SYSTEM = 'urn:patient-portal:refill-kind';
const TASK_CODE_SYSTEM = 'http://hl7.org/fhir/CodeSystem/task-code';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** Said on the patient's timeline when the EHR stopped the medication. */
export const STOPPED_TEXT =
  'This medication was stopped or changed in your medical record, so this request was closed. Contact the clinic if you have questions.';

/** Discrepancy subjects beside 'RefillRequest/<id>' (the prescription ended in the EHR). */
export const REFILL_ORDER_SUBJECT = '/order';
export const REFILL_DECISION_SUBJECT = '/decision';

export const taskKey = (requestId: string) => `refill-request:${requestId}`;
export const decisionKey = (requestId: string) => `refill-decision:${requestId}`;

/** What the Task is made of: the request as the portal holds it. */
export interface TaskFacts {
  requestId: string;
  kind: RefillKind;
  ehrPatientId: string | null;
  ehrMedicationRequestId: string;
  ehrPrescriberId: string | null;
  authoredOn: string;
  note: string | null;
  pharmacy: { name: string; address: string; phone: string; ncpdpId: string | null } | null;
}

export interface DecisionPayload {
  task: TaskFacts;
  decision: 'approved' | 'denied';
  reason: string | null;
  decidedBy: string | null;
  decidedAt: string;
  /** The medication as the portal saw it: a different one in the EHR now means it was changed. */
  rxnormCode: string | null;
  medicationName: string;
}

const identifier = (requestId: string) => ({ system: REFILL_IDENTIFIER_SYSTEM, value: requestId });
const writeOnce = (requestId: string) => ({
  idempotencyKey: requestId,
  identifierSystem: REFILL_IDENTIFIER_SYSTEM,
});

/** 'Practitioner/<id>' unless the EHR's reference already names its type. */
const prescriberRef = (id: string): NonNullable<Task['owner']> =>
  id.includes('/') ? { reference: id } : { reference: `Practitioner/${id}` };

const pharmacyText = (p: NonNullable<TaskFacts['pharmacy']>) =>
  `Pharmacy: ${p.name}, ${p.address}, ${p.phone}${p.ncpdpId ? ` (NCPDP ${p.ncpdpId})` : ''}`;

/** The FHIR Task asking the prescriber for the refill. */
export function refillTask(f: TaskFacts): Task {
  if (!f.ehrPatientId)
    throw new EhrError('The patient is not linked to a record in the EHR', 422, undefined, false);
  const patient = { reference: `Patient/${f.ehrPatientId}` };
  const note: Annotation[] = [];
  if (f.note) note.push({ text: `Patient's note: ${f.note}` });
  if (f.pharmacy) note.push({ text: pharmacyText(f.pharmacy) });
  return {
    resourceType: 'Task',
    identifier: [identifier(f.requestId)],
    status: 'requested',
    intent: 'order',
    priority: 'routine',
    code: {
      coding: [
        { system: TASK_CODE_SYSTEM, code: 'fulfill', display: 'Fulfill the focal request' },
        { system: REFILL_KIND_SYSTEM, code: f.kind },
      ],
      text: f.kind === 'renewal' ? 'Prescription renewal request' : 'Prescription refill request',
    },
    focus: { reference: `MedicationRequest/${f.ehrMedicationRequestId}` },
    for: patient,
    requester: patient,
    ...(f.ehrPrescriberId ? { owner: prescriberRef(f.ehrPrescriberId) } : {}),
    authoredOn: f.authoredOn,
    ...(note.length ? { note } : {}),
  };
}

/** The request as the outbox needs it, read in the caller's transaction. */
async function taskFacts(trx: Db, requestId: string): Promise<TaskFacts> {
  const r = await trx
    .selectFrom('refill_requests as r')
    .innerJoin('patients as p', 'p.id', 'r.patient_id')
    .leftJoin('pharmacies as ph', 'ph.id', 'r.pharmacy_id')
    .select([
      'r.id',
      'r.kind',
      'p.ehr_patient_id',
      'r.ehr_medication_request_id',
      'r.ehr_prescriber_id',
      'r.created_at',
      'r.note',
      'ph.name',
      'ph.address',
      'ph.phone',
      'ph.ncpdp_id',
    ])
    .where('r.id', '=', requestId)
    .executeTakeFirstOrThrow();
  return {
    requestId: r.id,
    kind: r.kind,
    ehrPatientId: r.ehr_patient_id,
    ehrMedicationRequestId: r.ehr_medication_request_id,
    ehrPrescriberId: r.ehr_prescriber_id,
    authoredOn: r.created_at.toISOString(),
    note: r.note,
    pharmacy:
      r.name && r.address && r.phone
        ? { name: r.name, address: r.address, phone: r.phone, ncpdpId: r.ncpdp_id }
        : null,
  };
}

async function requestRow(trx: Db, requestId: string) {
  return trx
    .selectFrom('refill_requests')
    .select(['clinic_id', 'patient_id'])
    .where('id', '=', requestId)
    .executeTakeFirstOrThrow();
}

/** Queues the request's Task for the EHR, in the submitting transaction. */
export async function queueRefillTask(trx: Db, requestId: string): Promise<void> {
  const facts = await taskFacts(trx, requestId);
  const r = await requestRow(trx, requestId);
  await enqueue(trx, {
    kind: 'refill.request',
    clinicId: r.clinic_id,
    patientId: r.patient_id,
    payload: facts,
    idempotencyKey: taskKey(requestId),
  });
}

/** Queues the clinic's decision (the request is approved or denied already) for the EHR. */
export async function queueRefillDecision(trx: Db, requestId: string): Promise<void> {
  const d = await trx
    .selectFrom('refill_requests as r')
    .leftJoin('users as u', 'u.id', 'r.decided_by')
    .select([
      'r.clinic_id',
      'r.patient_id',
      'r.status',
      'r.deny_reason',
      'r.decided_at',
      'r.rxnorm_code',
      'r.medication_name',
      'u.display_name',
    ])
    .where('r.id', '=', requestId)
    .executeTakeFirstOrThrow();
  if (d.status !== 'approved' && d.status !== 'denied')
    throw new Error(`A refill request that is ${d.status} has no decision to send`);
  const payload: DecisionPayload = {
    task: await taskFacts(trx, requestId),
    decision: d.status,
    reason: d.deny_reason,
    decidedBy: d.display_name,
    decidedAt: (d.decided_at ?? new Date()).toISOString(),
    rxnormCode: d.rxnorm_code,
    medicationName: d.medication_name,
  };
  await enqueue(trx, {
    kind: 'refill.decision',
    clinicId: d.clinic_id,
    patientId: d.patient_id,
    payload,
    idempotencyKey: decisionKey(requestId),
  });
}

/** The EHR stopped or changed the medication: not retried; settling stops the request. */
export class MedicationNotRefillable extends EhrError {
  override name = 'MedicationNotRefillable';
  readonly ehrStatus: string;
  readonly ehrMedication: string | null;
  constructor(ehrStatus: string, ehrMedication: string | null) {
    super(
      `The EHR's prescription is ${ehrStatus}; the refill was not ordered`,
      409,
      undefined,
      false,
    );
    this.ehrStatus = ehrStatus;
    this.ehrMedication = ehrMedication;
  }
}

const TERMINAL_TASK = ['completed', 'rejected', 'cancelled', 'failed', 'entered-in-error'];

/**
 * Moves the Task to its final status unless it is there (an earlier try) or
 * the EHR ended it itself (its word stands). A conflict is retried with a
 * fresh read.
 */
async function finishTask(gw: EhrGateway, task: Task, change: Partial<Task>): Promise<Task> {
  if (task.status === change.status || TERMINAL_TASK.includes(task.status)) return task;
  try {
    return await gw.update<Task>(
      { ...task, ...change, id: task.id as string, lastModified: new Date().toISOString() },
      { ifMatchVersion: task.meta?.versionId },
    );
  } catch (err) {
    if (err instanceof EhrError && err.status === 412)
      throw new EhrError('The Task changed in the EHR meanwhile', 412, undefined, true);
    throw err;
  }
}

/** The medication an order names, for comparing with what the portal saw. */
async function medicationOf(gw: EhrGateway, mr: MedicationRequest) {
  let concept = mr.medicationCodeableConcept;
  const ref = /^Medication\/([A-Za-z0-9\-.]{1,64})$/.exec(mr.medicationReference?.reference ?? '');
  if (!concept && ref?.[1]) concept = (await gw.read<Medication>('Medication', ref[1]))?.code;
  const rxnorm = (concept?.coding ?? []).filter((c) => c.system === RXNORM).map((c) => c.code);
  return { rxnorm, name: conceptText(concept) ?? mr.medicationReference?.display ?? null };
}

/** Why the original cannot be refilled any more: its status, or 'changed'; null when it can. */
async function whyNotRefillable(
  gw: EhrGateway,
  original: MedicationRequest | null,
  p: DecisionPayload,
): Promise<MedicationNotRefillable | null> {
  if (!original) return new MedicationNotRefillable('gone', null);
  const med = await medicationOf(gw, original);
  if (notRefillable(original.status)) return new MedicationNotRefillable(original.status, med.name);
  const changed = p.rxnormCode
    ? !med.rxnorm.includes(p.rxnormCode)
    : med.name !== null && med.name.trim().toLowerCase() !== p.medicationName.trim().toLowerCase();
  return changed ? new MedicationNotRefillable('changed', med.name) : null;
}

/** The new order: the original's medication, dosage and supply, following it. */
export function refillOrder(original: MedicationRequest, p: DecisionPayload): MedicationRequest {
  const { validityPeriod: _stale, ...dispense } = original.dispenseRequest ?? {};
  const pharmacy = p.task.pharmacy;
  return {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    category: original.category,
    medicationCodeableConcept: original.medicationCodeableConcept,
    medicationReference: original.medicationReference,
    subject: original.subject,
    authoredOn: p.decidedAt,
    // The portal knows no Practitioner id for its staff: the original prescriber orders.
    requester: original.requester,
    reasonCode: original.reasonCode,
    reasonReference: original.reasonReference,
    courseOfTherapyType: original.courseOfTherapyType,
    dosageInstruction: original.dosageInstruction,
    dispenseRequest: {
      ...dispense,
      ...(pharmacy ? { performer: { display: `${pharmacy.name}, ${pharmacy.address}` } } : {}),
    },
    substitution: original.substitution,
    priorPrescription: { reference: `MedicationRequest/${original.id}` },
    ...(p.decidedBy
      ? { note: [{ text: `Refill approved in the patient portal by ${p.decidedBy}` }] }
      : {}),
  };
}

registerOutboxKind('refill.request', {
  check(payload) {
    const p = payload as TaskFacts;
    if (!p?.requestId || !p.ehrMedicationRequestId)
      throw new Error('refill.request needs a request and its MedicationRequest');
  },
  async send(item, gw) {
    const f = item.payload as TaskFacts;
    return confirmationOf(await gw.requestRefill(refillTask(f), writeOnce(f.requestId)));
  },
  lockFirst: (trx, item) => lockRequest(trx, (item.payload as TaskFacts).requestId),
  async settled(trx, item, settlement) {
    if (settlement.outcome !== 'confirmed') return;
    await trx
      .updateTable('refill_requests')
      .set({ ehr_task_id: settlement.confirmation.id })
      .where('id', '=', (item.payload as TaskFacts).requestId)
      .execute();
  },
});

registerOutboxKind('refill.decision', {
  check(payload) {
    const p = payload as DecisionPayload;
    if (!p?.task?.requestId || !['approved', 'denied'].includes(p.decision))
      throw new Error('refill.decision needs a request and a decision');
  },
  /**
   * Sends the Task first (or finds it), then the decision. An approval looks
   * for its order before anything else: once made, the original may well be
   * completed by the EHR, and that must not read as "stopped".
   */
  async send(item, gw) {
    const p = item.payload as DecisionPayload;
    const id = p.task.requestId;
    const task = await gw.requestRefill(refillTask(p.task), writeOnce(id));
    if (p.decision === 'denied') {
      const reason = p.reason ?? 'Not approved';
      return confirmationOf(
        await finishTask(gw, task, { status: 'rejected', statusReason: { text: reason } }),
      );
    }
    let [order] = await gw.search<MedicationRequest>(
      'MedicationRequest',
      { identifier: `${REFILL_IDENTIFIER_SYSTEM}|${id}` },
      1,
    );
    if (!order) {
      const original = await gw.read<MedicationRequest>(
        'MedicationRequest',
        p.task.ehrMedicationRequestId,
      );
      const refusal = await whyNotRefillable(gw, original, p);
      if (refusal) {
        await finishTask(gw, task, {
          status: 'cancelled',
          statusReason: { text: 'The prescription was stopped or changed in the EHR' },
        });
        throw refusal;
      }
      order = await gw.orderRefill(refillOrder(original as MedicationRequest, p), writeOnce(id));
    }
    const output = [
      {
        type: { text: 'New prescription' },
        valueReference: { reference: `MedicationRequest/${order.id}` },
      },
    ];
    await finishTask(gw, task, { status: 'completed', output });
    return confirmationOf(order);
  },
  lockFirst: (trx, item) => lockRequest(trx, (item.payload as DecisionPayload).task.requestId),
  async settled(trx, item, settlement, { publicUrl }) {
    const p = item.payload as DecisionPayload;
    if (settlement.outcome === 'confirmed') {
      if (p.decision === 'approved') await sent(trx, p, settlement.confirmation.id, publicUrl);
      else await noteTask(trx, p.task.requestId, settlement.confirmation.id);
    } else if (settlement.error instanceof MedicationNotRefillable)
      await stoppedByEhr(trx, p, settlement.error, publicUrl);
    else await decisionLost(trx, p, settlement.error);
  },
});

interface WithdrawPayload {
  requestId: string;
  reason: string;
}

export const withdrawKey = (requestId: string) => `refill-withdraw:${requestId}`;

/**
 * The request ended in the portal before a decision reached the EHR
 * (cancelled by the patient, or stopped because the EHR ended the
 * prescription): what was not sent yet is discarded, and a Task the EHR has
 * (or may have) is cancelled with `reason`, so it leaves the prescriber's list.
 */
export async function queueRefillWithdrawal(
  trx: Db,
  requestId: string,
  reason: string,
): Promise<void> {
  const rows = await trx
    .selectFrom('ehr_outbox')
    .select(['id', 'status', 'idempotency_key'])
    .where('idempotency_key', 'in', [taskKey(requestId), decisionKey(requestId)])
    .forUpdate()
    .execute();
  const unsent = rows.filter((o) => o.status === 'pending' || o.status === 'failed');
  if (unsent.length)
    await trx
      .updateTable('ehr_outbox')
      .set({
        status: 'discarded',
        note: 'The request ended in the portal before this was sent.',
        updated_at: sql<Date>`now()`,
      })
      .where(
        'id',
        'in',
        unsent.map((o) => o.id),
      )
      .execute();
  const task = rows.find((o) => o.idempotency_key === taskKey(requestId));
  if (!task || !['sending', 'confirmed'].includes(task.status)) return;
  const r = await requestRow(trx, requestId);
  const payload: WithdrawPayload = { requestId, reason: reason.slice(0, 200) };
  await enqueue(trx, {
    kind: 'refill.withdraw',
    clinicId: r.clinic_id,
    patientId: r.patient_id,
    payload,
    idempotencyKey: withdrawKey(requestId),
  });
}

registerOutboxKind('refill.withdraw', {
  check(payload) {
    if (!(payload as WithdrawPayload)?.requestId)
      throw new Error('refill.withdraw needs a request');
  },
  async send(item, gw) {
    const p = item.payload as WithdrawPayload;
    const [task] = await gw.search<Task>(
      'Task',
      { identifier: `${REFILL_IDENTIFIER_SYSTEM}|${p.requestId}` },
      1,
    );
    // The Task is still on its way: wait for it rather than leave it behind.
    if (!task) throw new EhrError('The refill request has not reached the EHR yet', 409, 30, true);
    return confirmationOf(
      await finishTask(gw, task, { status: 'cancelled', statusReason: { text: p.reason } }),
    );
  },
});

/** A decision locks the request before its outbox row: settling does the same. */
async function lockRequest(trx: Db, id: string): Promise<void> {
  await trx.selectFrom('refill_requests').select('id').where('id', '=', id).forUpdate().execute();
}

async function noteTask(trx: Db, requestId: string, taskId: string): Promise<void> {
  await trx
    .updateTable('refill_requests')
    .set({ ehr_task_id: taskId })
    .where('id', '=', requestId)
    .where('ehr_task_id', 'is', null)
    .execute();
}

async function sent(trx: Db, p: DecisionPayload, orderId: string, publicUrl: string) {
  const id = p.task.requestId;
  await trx
    .updateTable('refill_requests')
    .set({ new_ehr_medication_request_id: orderId })
    .where('id', '=', id)
    .execute();
  if (!(await moveStatus(trx, id, ['approved'], 'sent'))) {
    await orderedWhileClosed(trx, p, orderId);
    return;
  }
  const r = await requestRow(trx, id);
  await audit(trx, SYSTEM_SOURCE, {
    action: 'update',
    resourceType: 'RefillRequest',
    resourceId: id,
    patientId: r.patient_id,
    clinicId: r.clinic_id,
    details: { status: 'sent', from: 'approved', ehrMedicationRequestId: orderId },
  });
  await queueRefillNotice(trx, id, publicUrl);
}

/** The EHR stopped or changed the medication before the order: the request stops, staff look. */
async function stoppedByEhr(
  trx: Db,
  p: DecisionPayload,
  refusal: MedicationNotRefillable,
  publicUrl: string,
): Promise<void> {
  const id = p.task.requestId;
  if (!(await moveStatus(trx, id, ['approved'], 'stopped', { text: STOPPED_TEXT }))) return;
  const r = await requestRow(trx, id);
  await audit(trx, SYSTEM_SOURCE, {
    action: 'update',
    resourceType: 'RefillRequest',
    resourceId: id,
    patientId: r.patient_id,
    clinicId: r.clinic_id,
    details: { status: 'stopped', from: 'approved', ehrStatus: refusal.ehrStatus },
  });
  await openDiscrepancy(trx, r, {
    subjectKey: `RefillRequest/${id}`,
    portalVersion: { status: 'approved', medication: p.medicationName },
    ehrVersion: { status: refusal.ehrStatus, medication: refusal.ehrMedication },
    ehrReference: `MedicationRequest/${p.task.ehrMedicationRequestId}`,
  });
  await queueRefillNotice(trx, id, publicUrl);
}

/**
 * The approval's order reached the EHR after the portal closed the request
 * (stopped from the desk, or a dead send retried): the EHR has an order the
 * patient is told does not exist. Staff decide whether it stands.
 */
async function orderedWhileClosed(trx: Db, p: DecisionPayload, orderId: string): Promise<void> {
  const id = p.task.requestId;
  const r = await trx
    .selectFrom('refill_requests')
    .select(['clinic_id', 'patient_id', 'status'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  if (r.status === 'sent') return;
  await audit(trx, SYSTEM_SOURCE, {
    action: 'update',
    resourceType: 'RefillRequest',
    resourceId: id,
    patientId: r.patient_id,
    clinicId: r.clinic_id,
    details: { status: r.status, ehrMedicationRequestId: orderId, orderedWhileClosed: true },
  });
  await openDiscrepancy(trx, r, {
    subjectKey: `RefillRequest/${id}${REFILL_ORDER_SUBJECT}`,
    portalVersion: { status: r.status, medication: p.medicationName },
    ehrVersion: { status: 'active', order: orderId, medication: p.medicationName },
    ehrReference: `MedicationRequest/${orderId}`,
  });
}

/**
 * The decision could not be sent (the outbox gave up, or the EHR refused it
 * for good, e.g. the patient is not linked): the EHR never heard, and an
 * approval would wait for ever. Staff retry it from the outbox or stop it.
 */
async function decisionLost(trx: Db, p: DecisionPayload, error: unknown): Promise<void> {
  const id = p.task.requestId;
  const r = await trx
    .selectFrom('refill_requests')
    .select(['clinic_id', 'patient_id', 'status'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  await openDiscrepancy(trx, r, {
    subjectKey: `RefillRequest/${id}${REFILL_DECISION_SUBJECT}`,
    portalVersion: { status: r.status, decision: p.decision, medication: p.medicationName },
    ehrVersion: {
      decision: null,
      error: (error instanceof Error ? error.message : String(error)).slice(0, 200),
    },
    ehrReference: `MedicationRequest/${p.task.ehrMedicationRequestId}`,
  });
}

/** An open refill discrepancy for staff (high, to review), audited; one per subject while open. */
async function openDiscrepancy(
  trx: Db,
  r: { clinic_id: string; patient_id: string },
  d: {
    subjectKey: string;
    portalVersion: Record<string, unknown>;
    ehrVersion: Record<string, unknown>;
    ehrReference: string;
  },
): Promise<void> {
  const type = 'medication_discontinued_with_pending_refill';
  const discrepancy = await trx
    .insertInto('discrepancies')
    .values({
      clinic_id: r.clinic_id,
      patient_id: r.patient_id,
      type,
      subject_key: d.subjectKey,
      severity: 'high',
      portal_version: JSON.stringify(d.portalVersion),
      ehr_version: JSON.stringify(d.ehrVersion),
      ehr_reference: d.ehrReference,
      // The portal has followed the EHR already, or cannot: staff see whether the patient needs a call.
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
      patientId: r.patient_id,
      clinicId: r.clinic_id,
      details: { type, severity: 'high' },
    });
}
