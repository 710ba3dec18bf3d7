// Refill requests reconciled with the EHR. A FHIR server this project did
// not write (medplum's) holds the patient's prescription; the patient asks
// for a refill through the portal. Then someone at the clinic stops the
// prescription in the EHR without the portal knowing. The reconcile run
// finds the pending request with both versions, and the desk's "take the
// EHR's version" stops it and tells the patient; a decision not yet sent is
// dropped, so no order follows.
import type { MedicationRequest, Patient, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../src/ehr/gateway/fhir-client.ts';
import { DEFAULT_POLICY, drainOutbox } from '../src/ehr/outbox/worker.ts';
import { reconcile } from '../src/ehr/reconcile/reconcile.ts';
import { medicationDiscontinuedCheck } from '../src/ehr/reconcile/refill-checks.ts';
import { syncPatient } from '../src/ehr/sync/sync.ts';
import {
  decisionKey,
  REFILL_IDENTIFIER_SYSTEM,
  STOPPED_TEXT,
} from '../src/modules/refills/writeback.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';
import { createPharmacy } from './support/refills.ts';

let t: TestApp;
let ehr: FhirServer;
const db = () => t.database.db;

const gateway = () =>
  createGateway(
    { baseUrl: ehr.baseUrl, auth: { kind: 'none' }, timeoutMs: 5_000 },
    { retry: { maxAttempts: 1 } },
  );

beforeAll(async () => {
  t = await testApp();
  ehr = await startFhirServer();
});
afterAll(async () => {
  await ehr?.close();
  await t?.close();
});

const DRUG = 'Atorvastatin 20 MG Oral Tablet';
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

interface Setup {
  clinicId: string;
  patientId: string;
  requestId: string;
  original: MedicationRequest & { id: string };
  email: string;
  patient: Client;
  provider: Client;
  admin: Client;
}

/** The prescription and its last fill in the EHR, the patient synced, and their refill request sent. */
async function pendingRefill(): Promise<Setup> {
  const gw = gateway();
  const clinic = await createClinic(db());
  const pharmacy = await createPharmacy(db(), clinic.id);
  // The same person on both sides, so only the prescription can differ.
  const person = { givenName: 'Cornelius', familyName: 'Abernathy-Oduya', birthDate: '1961-02-14' };
  const ehrPatient = await gw.create<Patient>({
    resourceType: 'Patient',
    name: [{ given: [person.givenName], family: person.familyName }],
    birthDate: person.birthDate,
  });
  const original = (await gw.create<MedicationRequest>({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '617312' }],
      text: DRUG,
    },
    subject: { reference: `Patient/${ehrPatient.id}` },
    authoredOn: daysAgo(300).slice(0, 10),
    dispenseRequest: { numberOfRepeatsAllowed: 5 },
  })) as MedicationRequest & { id: string };
  await gw.create({
    resourceType: 'MedicationDispense',
    status: 'completed',
    subject: { reference: `Patient/${ehrPatient.id}` },
    authorizingPrescription: [{ reference: `MedicationRequest/${original.id}` }],
    whenHandedOver: daysAgo(28),
    daysSupply: { value: 30, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' },
  });
  const patient = await createPatient(db(), { clinicId: clinic.id, ...person });
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
  const staff = async (role: 'provider' | 'clinic_admin') =>
    signedInClient(t, await createUser(db(), t.config, { roles: [{ role, clinicId: clinic.id }] }));
  const client = await signedInClient(t, user);
  const res = await client.post('/api/refills', {
    clinicId: clinic.id,
    medicationIds: [original.id],
    pharmacyId: pharmacy.id,
  });
  expect(res.statusCode, res.body).toBe(201);
  await drainOutbox(db(), gw, DEFAULT_POLICY);
  return {
    clinicId: clinic.id,
    patientId: patient.id,
    requestId: res.json().requests[0].id,
    original,
    email: user.email,
    patient: client,
    provider: await staff('provider'),
    admin: await staff('clinic_admin'),
  };
}

/** Someone at the clinic ends the prescription in the EHR; the portal is not told. */
const endInEhr = (s: Setup, status: MedicationRequest['status']) =>
  gateway().update<MedicationRequest>({ ...s.original, status });

const reconcileClinic = (s: Setup) =>
  reconcile(db(), gateway(), { scope: { clinicId: s.clinicId } });

const open = (s: Setup) =>
  db()
    .selectFrom('discrepancies')
    .selectAll()
    .where('clinic_id', '=', s.clinicId)
    .where('status', '=', 'open')
    .execute();

const status = async (s: Setup) =>
  (
    await db()
      .selectFrom('refill_requests')
      .select('status')
      .where('id', '=', s.requestId)
      .executeTakeFirstOrThrow()
  ).status;

/** The request's Task in the EHR, found by the portal's identifier. */
const ehrTask = async (s: Setup) => {
  const found = await gateway().search<Task>('Task', {
    identifier: `${REFILL_IDENTIFIER_SYSTEM}|${s.requestId}`,
  });
  expect(found).toHaveLength(1);
  return found[0];
};

const resolve = (s: Setup, id: string, body: unknown) =>
  s.admin.post(`/api/admin/discrepancies/${id}/resolve`, body);

describe('a pending refill whose prescription the EHR still has active', () => {
  it('agrees: compared, nothing found', async () => {
    const s = await pendingRefill();
    const summary = await reconcile(db(), gateway(), {
      scope: { clinicId: s.clinicId },
      checks: [medicationDiscontinuedCheck],
    });
    expect(summary).toMatchObject({ checked: 1, found: 0, errors: 0, failedChecks: [] });
    expect(await open(s)).toEqual([]);
  });
});

describe('a prescription stopped in the EHR behind the portal’s back', () => {
  it('is found once with both versions; taking the EHR’s stops the request and tells the patient', async () => {
    const s = await pendingRefill();
    await endInEhr(s, 'stopped');

    expect((await reconcileClinic(s)).opened).toBe(1);
    expect((await reconcileClinic(s)).opened).toBe(0);
    const [found, ...more] = await open(s);
    expect(more).toEqual([]);
    expect(found).toMatchObject({
      type: 'medication_discontinued_with_pending_refill',
      subject_key: `RefillRequest/${s.requestId}`,
      patient_id: s.patientId,
      severity: 'high',
      suggested_action: 'take_ehr',
      ehr_reference: `MedicationRequest/${s.original.id}`,
      portal_version: { status: 'requested', medication: DRUG },
      ehr_version: { status: 'stopped', medication: DRUG },
    });

    expect((await resolve(s, found?.id as string, { action: 'push_portal' })).statusCode).toBe(409);
    const res = await resolve(s, found?.id as string, { action: 'take_ehr' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'resolved', resolution: 'take_ehr' });
    expect(await status(s)).toBe('stopped');

    const seen = (await s.patient.get(`/api/refills/${s.requestId}`)).json();
    expect(seen.status).toBe('stopped');
    expect(seen.events).toContainEqual(
      expect.objectContaining({ kind: 'stopped', text: STOPPED_TEXT }),
    );
    const mail = await db()
      .selectFrom('mail_outbox')
      .select(['subject', 'body'])
      .where('to_address', '=', s.email)
      .orderBy('created_at')
      .execute();
    expect(mail.at(-1)?.subject).toBe('Your refill request was updated');
    expect(mail.at(-1)?.body).not.toMatch(/atorvastatin/i);
    const change = await db()
      .selectFrom('audit_events')
      .select(['details', 'actor_user_id'])
      .where('resource_type', '=', 'RefillRequest')
      .where('resource_id', '=', s.requestId)
      .where('action', '=', 'update')
      .executeTakeFirstOrThrow();
    expect(change.details).toMatchObject({
      status: 'stopped',
      from: 'requested',
      source: 'ehr',
      ehrStatus: 'stopped',
      discrepancyId: found?.id,
    });
    expect(change.actor_user_id).not.toBeNull();
    // The prescriber's list in the EHR no longer shows the request.
    await drainOutbox(db(), gateway(), DEFAULT_POLICY);
    expect(await ehrTask(s)).toMatchObject({
      status: 'cancelled',
      statusReason: { text: 'The prescription was stopped or changed in the EHR' },
    });
    // Nothing pending any more: nothing compared, nothing found again.
    expect(await reconcileClinic(s)).toMatchObject({ found: 0 });
  });

  it('drops an approval not yet sent, so no order reaches the EHR', async () => {
    const s = await pendingRefill();
    const approved = await s.provider.post(`/api/staff/refills/${s.requestId}/approve`, {});
    expect(approved.statusCode, approved.body).toBe(200);
    await endInEhr(s, 'entered-in-error');
    await reconcileClinic(s);
    const [found] = await open(s);
    expect(found?.portal_version).toMatchObject({ status: 'approved' });
    expect((await resolve(s, found?.id as string, { action: 'take_ehr' })).statusCode).toBe(200);

    await drainOutbox(db(), gateway(), DEFAULT_POLICY);
    const decision = await db()
      .selectFrom('ehr_outbox')
      .select('status')
      .where('idempotency_key', '=', decisionKey(s.requestId))
      .executeTakeFirstOrThrow();
    expect(decision.status).toBe('discarded');
    const orders = await gateway().search<MedicationRequest>('MedicationRequest', {
      identifier: `${REFILL_IDENTIFIER_SYSTEM}|${s.requestId}`,
    });
    expect(orders).toEqual([]);
    expect(await status(s)).toBe('stopped');
    expect((await ehrTask(s))?.status).toBe('cancelled');
  });

  it('cannot be followed once the patient cancelled the request in the portal', async () => {
    const s = await pendingRefill();
    await endInEhr(s, 'cancelled');
    await reconcileClinic(s);
    const [found] = await open(s);
    const cancel = await s.patient.post(`/api/refills/${s.requestId}/cancel`, {});
    expect(cancel.statusCode, cancel.body).toBe(200);
    const res = await resolve(s, found?.id as string, { action: 'take_ehr' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('cannot_resolve_so');
    expect(await status(s)).toBe('cancelled');
  });
});

describe('an approval on its way to the EHR', () => {
  it('is not flagged when the EHR completed the original because our refill order exists', async () => {
    const s = await pendingRefill();
    const approved = await s.provider.post(`/api/staff/refills/${s.requestId}/approve`, {});
    expect(approved.statusCode, approved.body).toBe(200);
    // The order reached the EHR (its answer is still on its way) and the EHR closed the original.
    await gateway().create<MedicationRequest>({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      identifier: [{ system: REFILL_IDENTIFIER_SYSTEM, value: s.requestId }],
      subject: s.original.subject,
      medicationCodeableConcept: s.original.medicationCodeableConcept,
      priorPrescription: { reference: `MedicationRequest/${s.original.id}` },
    });
    await endInEhr(s, 'completed');
    const summary = await reconcile(db(), gateway(), {
      scope: { clinicId: s.clinicId },
      checks: [medicationDiscontinuedCheck],
    });
    expect(summary).toMatchObject({ checked: 1, found: 0, errors: 0 });
    expect(await open(s)).toEqual([]);
  });

  it('cannot be stopped from the desk while the decision is sending or failing, only once it died', async () => {
    const s = await pendingRefill();
    const approved = await s.provider.post(`/api/staff/refills/${s.requestId}/approve`, {});
    expect(approved.statusCode, approved.body).toBe(200);
    await endInEhr(s, 'stopped');
    await reconcileClinic(s);
    const [found] = await open(s);
    const decisionStatus = (status: 'sending' | 'failed' | 'dead') =>
      db()
        .updateTable('ehr_outbox')
        .set({ status })
        .where('idempotency_key', '=', decisionKey(s.requestId))
        .execute();
    for (const sending of ['sending', 'failed'] as const) {
      await decisionStatus(sending);
      const res = await resolve(s, found?.id as string, { action: 'take_ehr' });
      expect(res.statusCode, sending).toBe(409);
      expect(res.json().error.message).toBe(
        'The approval is being sent to the EHR; try again shortly.',
      );
      expect(await status(s)).toBe('approved');
      expect((await open(s)).map((d) => d.id)).toEqual([found?.id]);
    }
    await decisionStatus('dead');
    expect((await resolve(s, found?.id as string, { action: 'take_ehr' })).statusCode).toBe(200);
    expect(await status(s)).toBe('stopped');
  });
});

describe('a prescription put on hold in the EHR', () => {
  it('is no longer refillable, like a stopped one: the pending request is flagged', async () => {
    const s = await pendingRefill();
    await endInEhr(s, 'on-hold');
    expect((await reconcileClinic(s)).opened).toBe(1);
    expect((await open(s))[0]).toMatchObject({
      subject_key: `RefillRequest/${s.requestId}`,
      ehr_version: { status: 'on-hold', medication: DRUG },
    });
  });
});
