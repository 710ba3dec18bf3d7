// Refill requests written back to the EHR. A FHIR server this project did
// not write (medplum's) holds the patient's prescription and its last fill;
// the portal syncs them, the patient asks for the refill over HTTP, a nurse
// triages and a provider decides. The Task reaches the EHR once; an approval
// creates the new order exactly once even when the EHR fails the first tries
// (before and after it made the order); a denial rejects the Task with the
// reason; a prescription stopped in the EHR meanwhile stops the request.
import type {
  MedicationDispense,
  MedicationRequest,
  Patient,
  Practitioner,
  Task,
} from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EhrError, type EhrGateway } from '../src/ehr/gateway/gateway.ts';
import { syncPatient } from '../src/ehr/sync/sync.ts';
import {
  decisionKey,
  REFILL_IDENTIFIER_SYSTEM,
  REFILL_KIND_SYSTEM,
  STOPPED_TEXT,
  taskKey,
} from '../src/modules/refills/writeback.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';
import { outboxGateway, quickPolicy, settleOutbox } from './support/outbox.ts';
import { createPharmacy } from './support/refills.ts';

let t: TestApp;
let ehr: FhirServer;
const db = () => t.database.db;

const gateway = () => outboxGateway(ehr);
const policy = () => quickPolicy(t.config);

beforeAll(async () => {
  t = await testApp();
  ehr = await startFhirServer();
});
afterAll(async () => {
  await ehr?.close();
  await t?.close();
});

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const DRUG = 'Lisinopril 10 MG Oral Tablet';
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

interface Setup {
  clinicId: string;
  requestId: string;
  ehrPatientId: string;
  practitionerId: string;
  original: MedicationRequest;
  pharmacy: { id: string; name: string };
  email: string;
  patient: Client;
  nurse: Client;
  provider: Client;
}

/**
 * In the EHR: the patient, their prescriber, a lisinopril prescription with
 * refills left and a 30-day fill a month ago. In the portal: the clinic, a
 * pharmacy, the patient linked and synced, a nurse and a provider. The
 * patient asks for the refill over HTTP.
 */
async function requested(): Promise<Setup> {
  const gw = gateway();
  const clinic = await createClinic(db());
  const pharmacy = await createPharmacy(db(), clinic.id);
  const ehrPatient = await gw.create<Patient>({
    resourceType: 'Patient',
    name: [{ given: ['Wilhelmina'], family: 'Oyelaran' }],
  });
  const practitioner = await gw.create<Practitioner>({
    resourceType: 'Practitioner',
    name: [{ given: ['Teodoro'], family: 'Halvorsen' }],
  });
  const original = await gw.create<MedicationRequest>({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: RXNORM, code: '314076', display: DRUG }],
      text: DRUG,
    },
    subject: { reference: `Patient/${ehrPatient.id}` },
    requester: { reference: `Practitioner/${practitioner.id}`, display: 'Dr. Teodoro Halvorsen' },
    authoredOn: daysAgo(200).slice(0, 10),
    dosageInstruction: [{ text: 'Take one tablet by mouth daily' }],
    dispenseRequest: {
      numberOfRepeatsAllowed: 3,
      quantity: { value: 30, unit: 'tablet' },
      expectedSupplyDuration: {
        value: 30,
        unit: 'days',
        system: 'http://unitsofmeasure.org',
        code: 'd',
      },
      validityPeriod: { start: daysAgo(200).slice(0, 10) },
    },
  });
  await gw.create<MedicationDispense>({
    resourceType: 'MedicationDispense',
    status: 'completed',
    subject: { reference: `Patient/${ehrPatient.id}` },
    authorizingPrescription: [{ reference: `MedicationRequest/${original.id}` }],
    medicationCodeableConcept: { text: DRUG },
    whenHandedOver: daysAgo(30),
    daysSupply: { value: 30, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
  });
  const patient = await createPatient(db(), { clinicId: clinic.id });
  await db()
    .updateTable('patients')
    .set({ ehr_patient_id: ehrPatient.id })
    .where('id', '=', patient.id)
    .execute();
  await syncPatient(db(), gw, patient.id);
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patient.id,
  });
  const staff = async (role: 'nurse' | 'provider') =>
    signedInClient(t, await createUser(db(), t.config, { roles: [{ role, clinicId: clinic.id }] }));
  const s = {
    clinicId: clinic.id,
    ehrPatientId: ehrPatient.id as string,
    practitionerId: practitioner.id as string,
    original,
    pharmacy,
    email: user.email,
    patient: await signedInClient(t, user),
    nurse: await staff('nurse'),
    provider: await staff('provider'),
  };
  const res = await s.patient.post('/api/refills', {
    clinicId: clinic.id,
    medicationIds: [original.id],
    pharmacyId: pharmacy.id,
    note: 'Running low after a trip',
  });
  expect(res.statusCode, res.body).toBe(201);
  const [request] = res.json().requests;
  expect(request).toMatchObject({ status: 'requested', medicationId: original.id });
  return { ...s, requestId: request.id };
}

/** The nurse opens and routes the request; the provider decides. */
async function decide(s: Setup, decision: { approve: true } | { deny: string }) {
  expect((await s.nurse.get(`/api/staff/refills/${s.requestId}`)).statusCode).toBe(200);
  const routed = await s.nurse.post(`/api/staff/refills/${s.requestId}/route`, { to: 'provider' });
  expect(routed.statusCode, routed.body).toBe(200);
  const res =
    'approve' in decision
      ? await s.provider.post(`/api/staff/refills/${s.requestId}/approve`, {})
      : await s.provider.post(`/api/staff/refills/${s.requestId}/deny`, { reason: decision.deny });
  expect(res.statusCode, res.body).toBe(200);
}

const sendToEhr = (s: Setup, gw: EhrGateway = gateway()) =>
  settleOutbox(db(), s.clinicId, gw, policy());

const request = (id: string) =>
  db().selectFrom('refill_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const tasksFor = (s: Setup) =>
  gateway().search<Task>('Task', { identifier: `${REFILL_IDENTIFIER_SYSTEM}|${s.requestId}` });

const ordersFor = (s: Setup) =>
  gateway().search<MedicationRequest>('MedicationRequest', {
    subject: `Patient/${s.ehrPatientId}`,
  });

const outboxRow = (key: string) =>
  db()
    .selectFrom('ehr_outbox')
    .select(['status', 'attempts', 'last_error', 'ehr_id'])
    .where('idempotency_key', '=', key)
    .executeTakeFirstOrThrow();

const mailTo = (email: string) =>
  db()
    .selectFrom('mail_outbox')
    .select(['subject', 'body'])
    .where('to_address', '=', email)
    .orderBy('created_at')
    .execute();

/** The gateway, failing its first `n` Task updates: the EHR made the order, the answer to what follows is lost. */
function failingAfterOrder(n: number): EhrGateway {
  const gw = gateway();
  let failures = n;
  return new Proxy(gw, {
    get(target, prop, receiver) {
      if (prop === 'update')
        return async (...args: Parameters<EhrGateway['update']>) => {
          if (failures-- > 0) throw new EhrError('The EHR is not available right now', 503);
          return target.update(...args);
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('a refill request', () => {
  it('reaches the EHR as one Task asking the prescriber, with the note and the pharmacy', async () => {
    const s = await requested();
    await sendToEhr(s);
    // Sent again (the desk's retry after a lost answer): the conditional create finds the first.
    await db()
      .updateTable('ehr_outbox')
      .set({ status: 'pending', confirmed_at: null, ehr_id: null, next_attempt_at: new Date() })
      .where('idempotency_key', '=', taskKey(s.requestId))
      .execute();
    await sendToEhr(s);

    const tasks = await tasksFor(s);
    expect(tasks).toHaveLength(1);
    const [task] = tasks as [Task];
    expect(task).toMatchObject({
      status: 'requested',
      intent: 'order',
      code: {
        text: 'Prescription refill request',
        coding: expect.arrayContaining([
          expect.objectContaining({ code: 'fulfill' }),
          { system: REFILL_KIND_SYSTEM, code: 'refill' },
        ]),
      },
      focus: { reference: `MedicationRequest/${s.original.id}` },
      for: { reference: `Patient/${s.ehrPatientId}` },
      requester: { reference: `Patient/${s.ehrPatientId}` },
      owner: { reference: `Practitioner/${s.practitionerId}` },
      identifier: [{ system: REFILL_IDENTIFIER_SYSTEM, value: s.requestId }],
    });
    const notes = (task.note ?? []).map((n) => n.text).join('\n');
    expect(notes).toContain('Running low after a trip');
    expect(notes).toContain(s.pharmacy.name);
    const row = await request(s.requestId);
    expect(row.ehr_task_id).toBe(task.id);
    expect(new Date(task.authoredOn as string).getTime()).toBe(row.created_at.getTime());
  });
});

describe("a patient's cancellation", () => {
  it('cancels the Task the EHR has', async () => {
    const s = await requested();
    await sendToEhr(s);
    expect((await s.patient.post(`/api/refills/${s.requestId}/cancel`, {})).statusCode).toBe(200);
    await sendToEhr(s);
    const [task] = (await tasksFor(s)) as [Task];
    expect(task.status).toBe('cancelled');
    expect((await request(s.requestId)).status).toBe('cancelled');
  });

  it('keeps a Task not sent yet from ever reaching the EHR', async () => {
    const s = await requested();
    expect((await s.patient.post(`/api/refills/${s.requestId}/cancel`, {})).statusCode).toBe(200);
    await sendToEhr(s);
    expect(await tasksFor(s)).toEqual([]);
    expect((await outboxRow(taskKey(s.requestId))).status).toBe('discarded');
  });
});

describe('an approval', () => {
  it('creates the new order exactly once although the EHR failed the first tries, before and after making it', async () => {
    const s = await requested();
    await sendToEhr(s);
    await decide(s, { approve: true });
    expect((await request(s.requestId)).status).toBe('approved');

    ehr.faults = { failNext: 2 };
    try {
      await sendToEhr(s, failingAfterOrder(2));
    } finally {
      ehr.faults = {};
    }

    const decision = await outboxRow(decisionKey(s.requestId));
    expect(decision.status).toBe('confirmed');
    expect(decision.attempts).toBe(5);
    const orders = await ordersFor(s);
    expect(orders).toHaveLength(2);
    const created = orders.find((o) => o.id !== s.original.id) as MedicationRequest;
    expect(created).toMatchObject({
      status: 'active',
      intent: 'order',
      priorPrescription: { reference: `MedicationRequest/${s.original.id}` },
      identifier: [{ system: REFILL_IDENTIFIER_SYSTEM, value: s.requestId }],
      medicationCodeableConcept: s.original.medicationCodeableConcept,
      dosageInstruction: s.original.dosageInstruction,
      requester: s.original.requester,
      subject: { reference: `Patient/${s.ehrPatientId}` },
    });
    expect(created.dispenseRequest).toMatchObject({
      numberOfRepeatsAllowed: 3,
      quantity: { value: 30 },
      performer: { display: expect.stringContaining(s.pharmacy.name) },
    });
    // The original's validity belongs to it: the new order starts its own.
    expect(created.dispenseRequest?.validityPeriod).toBeUndefined();

    const [task, ...more] = await tasksFor(s);
    expect(more).toEqual([]);
    expect(task).toMatchObject({
      status: 'completed',
      output: [{ valueReference: { reference: `MedicationRequest/${created.id}` } }],
    });

    const row = await request(s.requestId);
    expect(row).toMatchObject({ status: 'sent', new_ehr_medication_request_id: created.id });
    const seen = await s.patient.get(`/api/refills/${s.requestId}`);
    expect(seen.statusCode).toBe(200);
    expect(seen.json().status).toBe('sent');
    expect(seen.json().events.map((e: { kind: string }) => e.kind)).toContain('sent');
    const mail = await mailTo(s.email);
    expect(mail.at(-1)?.subject).toBe('Your refill request was updated');
    for (const m of mail) expect(`${m.subject}\n${m.body}`).not.toMatch(/lisinopril/i);
    const audited = await db()
      .selectFrom('audit_events')
      .select('details')
      .where('resource_type', '=', 'RefillRequest')
      .where('resource_id', '=', s.requestId)
      .where('action', '=', 'update')
      .where('actor_user_id', 'is', null)
      .execute();
    expect(audited.map((a) => a.details)).toContainEqual(
      expect.objectContaining({ status: 'sent', ehrMedicationRequestId: created.id }),
    );
  });
});

describe('a denial', () => {
  it('rejects the Task with the reason, also when the Task itself had not been sent yet', async () => {
    const s = await requested();
    const reason = 'Your blood pressure needs a check first; please book a visit.';
    await decide(s, { deny: reason });
    await sendToEhr(s);

    const [task, ...more] = await tasksFor(s);
    expect(more).toEqual([]);
    expect(task).toMatchObject({ status: 'rejected', statusReason: { text: reason } });
    expect(await ordersFor(s)).toHaveLength(1);
    const row = await request(s.requestId);
    expect(row).toMatchObject({ status: 'denied', ehr_task_id: task?.id });
    expect(row.new_ehr_medication_request_id).toBeNull();
    expect((await outboxRow(taskKey(s.requestId))).ehr_id).toBe(task?.id);
  });
});

describe('a prescription stopped in the EHR before the approval is sent', () => {
  it('orders nothing: the request stops, the patient is told and staff get a discrepancy', async () => {
    const s = await requested();
    await sendToEhr(s);
    await decide(s, { approve: true });
    await gateway().update<MedicationRequest>({
      ...s.original,
      id: s.original.id as string,
      status: 'stopped',
    });
    await sendToEhr(s);

    expect((await ordersFor(s)).map((o) => o.id)).toEqual([s.original.id]);
    const [task] = await tasksFor(s);
    expect(task?.status).toBe('cancelled');
    const decision = await outboxRow(decisionKey(s.requestId));
    expect(decision.status).toBe('dead');
    expect(decision.last_error).toMatch(/stopped/);

    expect((await request(s.requestId)).status).toBe('stopped');
    const seen = (await s.patient.get(`/api/refills/${s.requestId}`)).json();
    expect(seen.status).toBe('stopped');
    expect(seen.events).toContainEqual(
      expect.objectContaining({ kind: 'stopped', text: STOPPED_TEXT }),
    );
    expect((await mailTo(s.email)).at(-1)?.subject).toBe('Your refill request was updated');

    const discrepancies = await db()
      .selectFrom('discrepancies')
      .select(['type', 'status', 'subject_key', 'severity', 'ehr_reference', 'ehr_version'])
      .where('clinic_id', '=', s.clinicId)
      .execute();
    expect(discrepancies).toEqual([
      {
        type: 'medication_discontinued_with_pending_refill',
        status: 'open',
        subject_key: `RefillRequest/${s.requestId}`,
        severity: 'high',
        ehr_reference: `MedicationRequest/${s.original.id}`,
        ehr_version: { status: 'stopped', medication: DRUG },
      },
    ]);
  });

  it('changed to another medication in the EHR is stopped the same way', async () => {
    const s = await requested();
    await decide(s, { approve: true });
    await gateway().update<MedicationRequest>({
      ...s.original,
      id: s.original.id as string,
      medicationCodeableConcept: {
        coding: [{ system: RXNORM, code: '197361', display: 'Amlodipine 5 MG Oral Tablet' }],
        text: 'Amlodipine 5 MG Oral Tablet',
      },
    });
    await sendToEhr(s);
    expect((await ordersFor(s)).map((o) => o.id)).toEqual([s.original.id]);
    expect((await request(s.requestId)).status).toBe('stopped');
    const found = await db()
      .selectFrom('discrepancies')
      .select('ehr_version')
      .where('subject_key', '=', `RefillRequest/${s.requestId}`)
      .executeTakeFirstOrThrow();
    expect(found.ehr_version).toEqual({
      status: 'changed',
      medication: 'Amlodipine 5 MG Oral Tablet',
    });
  });
});

describe("the patient's mail about an approval", () => {
  it('is one "updated" mail when the order was sent, none at the approval itself', async () => {
    const s = await requested();
    const received = (await mailTo(s.email)).length;
    await decide(s, { approve: true });
    expect(await mailTo(s.email)).toHaveLength(received);
    await sendToEhr(s);
    expect((await request(s.requestId)).status).toBe('sent');
    const after = (await mailTo(s.email)).slice(received);
    expect(after.map((m) => m.subject)).toEqual(['Your refill request was updated']);
  });
});

const discrepancy = (subjectKey: string) =>
  db()
    .selectFrom('discrepancies')
    .select(['type', 'status', 'severity', 'suggested_action', 'ehr_reference', 'portal_version'])
    .where('subject_key', '=', subjectKey)
    .execute();

const auditOf = (resourceType: string, resourceId: string) =>
  db()
    .selectFrom('audit_events')
    .select(['action', 'details'])
    .where('resource_type', '=', resourceType)
    .where('resource_id', '=', resourceId)
    .execute();

describe('an order that reaches the EHR after the portal closed the request', () => {
  it('leaves the request closed and gives staff a discrepancy, audited', async () => {
    const s = await requested();
    await decide(s, { approve: true });
    // Stopped in the portal while the approval was on its way (the desk, then a retried send).
    await db()
      .updateTable('refill_requests')
      .set({ status: 'stopped' })
      .where('id', '=', s.requestId)
      .execute();
    await sendToEhr(s);

    const [order] = await gateway().search<MedicationRequest>('MedicationRequest', {
      identifier: `${REFILL_IDENTIFIER_SYSTEM}|${s.requestId}`,
    });
    expect(order?.id).toBeDefined();
    expect((await request(s.requestId)).status).toBe('stopped');
    expect(await discrepancy(`RefillRequest/${s.requestId}/order`)).toEqual([
      {
        type: 'medication_discontinued_with_pending_refill',
        status: 'open',
        severity: 'high',
        suggested_action: 'review',
        ehr_reference: `MedicationRequest/${order?.id}`,
        portal_version: { status: 'stopped', medication: DRUG },
      },
    ]);
    const [found] = await db()
      .selectFrom('discrepancies')
      .select('id')
      .where('subject_key', '=', `RefillRequest/${s.requestId}/order`)
      .execute();
    expect(await auditOf('Discrepancy', found?.id as string)).toContainEqual(
      expect.objectContaining({ action: 'create' }),
    );
    expect((await auditOf('RefillRequest', s.requestId)).map((a) => a.details)).toContainEqual(
      expect.objectContaining({ ehrMedicationRequestId: order?.id, orderedWhileClosed: true }),
    );
  });
});

describe('a decision the EHR refuses for good', () => {
  it('gives staff a discrepancy instead of leaving the approval waiting for ever', async () => {
    const s = await requested();
    await sendToEhr(s);
    await decide(s, { approve: true });
    const refusing = new Proxy(gateway(), {
      get(target, prop, receiver) {
        if (prop === 'orderRefill')
          return async () => {
            throw new EhrError('The EHR refused the order', 422, undefined, false);
          };
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await sendToEhr(s, refusing);

    expect((await outboxRow(decisionKey(s.requestId))).status).toBe('dead');
    expect((await request(s.requestId)).status).toBe('approved');
    expect(await discrepancy(`RefillRequest/${s.requestId}/decision`)).toEqual([
      {
        type: 'medication_discontinued_with_pending_refill',
        status: 'open',
        severity: 'high',
        suggested_action: 'review',
        ehr_reference: `MedicationRequest/${s.original.id}`,
        portal_version: { status: 'approved', decision: 'approved', medication: DRUG },
      },
    ]);
  });
});
