// The patient's records API: what the sync cached, shown to the patient (or
// a caregiver acting for them) and to staff at the patient's clinics, each
// read audited, nobody else's record reachable.
import fs from 'node:fs';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../src/ehr/gateway/fhir-client.ts';
import { syncPatient } from '../src/ehr/sync/sync.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';

const SYNTHEA_DIR = path.resolve(import.meta.dirname, '../fixtures/synthea');
const bundleOf = (prefix: string) => {
  const file = fs.readdirSync(SYNTHEA_DIR).find((f) => f.startsWith(prefix)) as string;
  return JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, file), 'utf8')) as Bundle;
};
const KINDS = [
  'medications',
  'allergies',
  'conditions',
  'labs',
  'vitals',
  'immunizations',
  'encounters',
];

let t: TestApp;
let server: FhirServer;
let clinicId: string;
/** Asa Hermiston's record (allergies, medications, labs) and Jill Tillman's. */
let a: { patientId: string; client: Client };
let b: { patientId: string; client: Client };

beforeAll(async () => {
  t = await testApp();
  server = await startFhirServer();
  clinicId = (await createClinic(t.database.db)).id;
  const gateway = createGateway({
    baseUrl: server.baseUrl,
    auth: { kind: 'none' },
    timeoutMs: 10_000,
  });
  a = await syncedPatient(bundleOf('Asa_Hermiston_'), gateway);
  b = await syncedPatient(bundleOf('Jill_Tillman_'), gateway);
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

const db = () => t.database.db;

async function syncedPatient(bundle: Bundle, gateway: ReturnType<typeof createGateway>) {
  const loaded = await server.load(bundle);
  const ehrPatientId = loaded.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource
    ?.id as string;
  const patient = await createPatient(db(), { clinicId });
  await db()
    .updateTable('patients')
    .set({ ehr_patient_id: ehrPatientId })
    .where('id', '=', patient.id)
    .execute();
  await syncPatient(db(), gateway, patient.id, { trigger: 'test' });
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId }],
    patientId: patient.id,
  });
  return { patientId: patient.id, client: await signedInClient(t, user) };
}

async function cachedIds(patientId: string, type: string, category?: string) {
  const rows = await db()
    .selectFrom('clinical_resources')
    .select('id')
    .where('patient_id', '=', patientId)
    .where('resource_type', '=', type)
    .$if(category !== undefined, (q) => q.where('category', '=', category as string))
    .execute();
  return rows.map((r) => r.id).sort();
}

const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id).sort();

describe('a patient', () => {
  it('sees their medications with instructions and prescriber, and how fresh the copy is', async () => {
    const res = await a.client.get('/api/records/medications');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(ids(body)).toEqual(await cachedIds(a.patientId, 'MedicationRequest'));
    expect(body).toMatchObject({ page: 1, hasMore: false, stale: false });
    expect(Date.now() - Date.parse(body.syncedAt)).toBeLessThan(60 * 60_000);
    expect(body.items[0]).toMatchObject({
      name: expect.any(String),
      status: expect.any(String),
      prescriber: expect.stringMatching(/\S/),
    });
    // Instructions in words, from the EHR's structured dosage.
    const instructions = body.items.flatMap((m: { instructions: string[] }) => m.instructions);
    expect(instructions).toContainEqual(
      expect.stringMatching(/^\d+ doses?, (once|twice|\d+ times) a /),
    );
    // Active ones come first.
    const statuses: string[] = body.items.map((m: { status: string }) => m.status);
    expect(statuses).toContain('active');
    expect(statuses.slice(0, statuses.filter((s) => s === 'active').length)).toEqual(
      statuses.filter((s) => s === 'active'),
    );
  });

  it('sees allergies, conditions and labs (newest first, values with units) from the cache', async () => {
    const allergies = (await a.client.get('/api/records/allergies')).json();
    expect(ids(allergies)).toEqual(await cachedIds(a.patientId, 'AllergyIntolerance'));
    expect(allergies.items[0].substance).toMatch(/\S/);
    const conditions = (await a.client.get('/api/records/conditions')).json();
    expect(ids(conditions)).toEqual(await cachedIds(a.patientId, 'Condition'));
    const labs = (await a.client.get('/api/records/labs')).json();
    expect(ids(labs)).toEqual(await cachedIds(a.patientId, 'Observation', 'laboratory'));
    const taken = labs.items.map((l: { takenAt: string }) => Date.parse(l.takenAt));
    expect(taken).toEqual([...taken].sort((x, y) => y - x));
    expect(labs.items[0]).toMatchObject({
      category: 'laboratory',
      value: { value: expect.any(Number), unit: expect.any(String), text: expect.any(String) },
    });
  });

  it('gets every list, each read audited in its own row', async () => {
    for (const kind of KINDS) {
      const res = await a.client.get(`/api/records/${kind}`);
      expect(res.statusCode, kind).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    const rows = await db()
      .selectFrom('audit_events')
      .select(['resource_type', 'details'])
      .where('patient_id', '=', a.patientId)
      .where('action', '=', 'view')
      .execute();
    const lists = rows.map((r) => (r.details as { list: string }).list);
    for (const kind of KINDS) expect(lists).toContain(kind);
  });

  it('sees only their own record', async () => {
    const mine = (await b.client.get('/api/records/medications')).json();
    expect(ids(mine)).toEqual(await cachedIds(b.patientId, 'MedicationRequest'));
    const theirs = await cachedIds(a.patientId, 'MedicationRequest');
    expect(ids(mine).filter((id) => theirs.includes(id))).toEqual([]);
    // The staff door is shut to patients.
    const res = await b.client.get(`/api/staff/patients/${a.patientId}/records/medications`);
    expect(res.statusCode).toBe(403);
  });

  it('never sees what the EHR marked entered-in-error', async () => {
    const [hidden] = await cachedIds(a.patientId, 'Condition');
    await db()
      .updateTable('clinical_resources')
      .set({ status: 'entered-in-error' })
      .where('resource_type', '=', 'Condition')
      .where('id', '=', hidden as string)
      .execute();
    const body = (await a.client.get('/api/records/conditions')).json();
    expect(ids(body)).not.toContain(hidden);
  });

  it('is told the copy is stale when the last sync is older than the configured age', async () => {
    await db()
      .updateTable('sync_state')
      .set({ last_synced_at: new Date(Date.now() - 60 * 60_000) })
      .where('patient_id', '=', b.patientId)
      .execute();
    const body = (await b.client.get('/api/records/labs')).json();
    expect(body.stale).toBe(true);
  });

  it('without a link to the EHR gets empty lists, marked as never synced', async () => {
    const patient = await createPatient(db(), { clinicId });
    const user = await createUser(db(), t.config, {
      roles: [{ role: 'patient', clinicId }],
      patientId: patient.id,
    });
    const body = (await (await signedInClient(t, user)).get('/api/records/medications')).json();
    expect(body).toMatchObject({ items: [], syncedAt: null, stale: true });
  });

  it('cannot send parameters the list does not take', async () => {
    const res = await a.client.get(`/api/records/labs?patientId=${b.patientId}`);
    expect(res.statusCode).toBe(400);
  });
});

describe('a caregiver', () => {
  async function caregiverFor(patientId: string) {
    const grantor = await createUser(db(), t.config, { roles: [{ role: 'front_desk', clinicId }] });
    const user = await createUser(db(), t.config, { roles: [{ role: 'proxy', clinicId: null }] });
    const grant = await db()
      .insertInto('proxy_grants')
      .values({
        proxy_user_id: user.id,
        patient_id: patientId,
        relationship: 'parent',
        expires_at: new Date(Date.now() + 86_400_000),
        granted_by: grantor.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const client = await signedInClient(t, user, { actingForPatientId: patientId });
    return { user, client, grantId: grant.id };
  }

  it('acting for a patient sees that patient’s record, audited as acting for them', async () => {
    const { user, client } = await caregiverFor(a.patientId);
    const body = (await client.get('/api/records/allergies')).json();
    expect(ids(body)).toEqual(await cachedIds(a.patientId, 'AllergyIntolerance'));
    const row = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_user_id', '=', user.id)
      .where('action', '=', 'view')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ patient_id: a.patientId, acting_for_patient_id: a.patientId });
  });

  it('whose grant was revoked is back on their own (empty) account, and reads nothing', async () => {
    const { user, client, grantId } = await caregiverFor(a.patientId);
    await db()
      .updateTable('proxy_grants')
      .set({ revoked_at: new Date() })
      .where('id', '=', grantId)
      .execute();
    const res = await client.get('/api/records/medications');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('no_patient_record');
    const reads = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_user_id', '=', user.id)
      .where('action', '=', 'view')
      .execute();
    expect(reads).toEqual([]);
  });
});

describe('staff', () => {
  it('at the patient’s clinic read the record, audited', async () => {
    const nurse = await createUser(db(), t.config, { roles: [{ role: 'nurse', clinicId }] });
    const client = await signedInClient(t, nurse);
    const res = await client.get(`/api/staff/patients/${a.patientId}/records/labs`);
    expect(res.statusCode).toBe(200);
    expect(ids(res.json())).toEqual(await cachedIds(a.patientId, 'Observation', 'laboratory'));
    const row = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_user_id', '=', nurse.id)
      .where('action', '=', 'view')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ patient_id: a.patientId, resource_type: 'Observation' });
  });

  it('of another clinic get 404 and the attempt is audited', async () => {
    const other = (await createClinic(db())).id;
    const nurse = await createUser(db(), t.config, { roles: [{ role: 'nurse', clinicId: other }] });
    const client = await signedInClient(t, nurse);
    for (const kind of KINDS) {
      const res = await client.get(`/api/staff/patients/${a.patientId}/records/${kind}`);
      expect(res.statusCode, kind).toBe(404);
    }
    const refusals = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_user_id', '=', nurse.id)
      .where('action', '=', 'access_denied')
      .execute();
    expect(refusals).toHaveLength(KINDS.length);
    expect(refusals[0]).toMatchObject({ patient_id: a.patientId, outcome: 'failure' });
  });
});
