// Linking: staff find a patient in the clinic's EHR (a FHIR server this
// project did not write, over HTTP) and link them to the portal; the portal
// patient is made from the EHR's demographics and MRN, once. Other clinics'
// staff and patients are refused and audited; an EHR that does not answer
// is a 502 a person can act on.
import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGateway } from '../src/ehr/gateway/fhir-client.ts';
import type { EhrGateway } from '../src/ehr/gateway/gateway.ts';
import { mrnSystem } from '../src/ehr/identifiers.ts';
import { registerSyncJobs } from '../src/ehr/sync/jobs.ts';
import { createLogger } from '../src/platform/http/logging.ts';
import { startJobs } from '../src/platform/jobs/jobs.ts';
import { type TestApp, testApp } from './support/app.ts';
import { lastAuditId } from './support/audit.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/synthea');
const JILL = 'Jill_Tillman_c4b7d178-c437-4202-9fb0-1b64afb8bc09.json';
const MARGARITA = 'Margarita_Montalvo_87ad8ed4-e0ef-498b-a2db-1d8d61368f8a.json';
const CLAUDIE = 'Claudie_Walsh_498377b3-e385-40ab-9acd-06b657e2f599.json';

let t: TestApp;
let ehr: FhirServer;
let gateway: EhrGateway;
let clinic: { id: string; slug: string; name: string };
let otherClinic: { id: string; slug: string };
let desk: Client;
let ids: { jill: string; margarita: string; unregistered: string };
const db = () => t.database.db;

/** A Synthea bundle whose Patient carries MRNs (clinic slug → MRN); the Patient's id once loaded. */
async function load(file: string, mrns: Record<string, string>): Promise<string> {
  const bundle = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as Bundle;
  const patient = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')
    ?.resource as Patient;
  patient.identifier = [
    ...(patient.identifier ?? []),
    ...Object.entries(mrns).map(([slug, value]) => ({ system: mrnSystem(slug), value })),
  ];
  const result = await ehr.load(bundle);
  return result.entry?.map((e) => e.resource).find((r) => r?.resourceType === 'Patient')
    ?.id as string;
}

beforeAll(async () => {
  ehr = await startFhirServer();
  gateway = createGateway(
    { baseUrl: ehr.baseUrl, auth: { kind: 'none' }, timeoutMs: 5000 },
    { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } },
  );
  t = await testApp({ ehr: gateway });
  clinic = await createClinic(db());
  otherClinic = await createClinic(db());
  ids = {
    jill: await load(JILL, { [clinic.slug]: 'LNK-1001', [otherClinic.slug]: 'OTH-2001' }),
    margarita: await load(MARGARITA, { [clinic.slug]: 'LNK-1002' }),
    unregistered: '',
  };
  // The same person again, registered only elsewhere: no MRN at this clinic.
  const bare = (await ehr.load({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        request: { method: 'POST', url: 'Patient' },
        resource: {
          resourceType: 'Patient',
          name: [{ family: 'Elsewhere', given: ['Only'] }],
          birthDate: '1990-01-01',
          identifier: [{ system: mrnSystem(otherClinic.slug), value: 'OTH-9' }],
        },
      },
    ],
  })) as Bundle;
  ids.unregistered = bare.entry?.[0]?.resource?.id as string;
  const staff = await createUser(db(), t.config, {
    roles: [{ role: 'front_desk', clinicId: clinic.id }],
  });
  desk = await signedInClient(t, staff);
});
afterAll(async () => {
  await t?.close();
  await ehr?.close();
});

const auditSince = (since: number) =>
  db().selectFrom('audit_events').selectAll().where('id', '>', since).orderBy('id').execute();

describe('finding the patient in the EHR', () => {
  it('by MRN at the clinic', async () => {
    const since = await lastAuditId(db());
    const res = await desk.post('/api/staff/ehr-patients/search', {
      clinicId: clinic.id,
      mrn: 'LNK-1001',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().candidates).toEqual([
      {
        ehrPatientId: ids.jill,
        name: { given: 'Jill', family: 'Tillman' },
        birthDate: '1971-05-18',
        gender: 'female',
        mrn: 'LNK-1001',
        linkedPatientId: null,
      },
    ]);
    const [row] = await auditSince(since);
    expect(row).toMatchObject({
      action: 'query',
      resource_type: 'EhrPatient',
      clinic_id: clinic.id,
      outcome: 'success',
    });
    expect(row?.details).toMatchObject({ resultCount: 1 });
    expect(JSON.stringify(row?.details)).not.toContain('LNK-1001');
  });

  it("by family name and birth date, not another clinic's MRN", async () => {
    const res = await desk.post('/api/staff/ehr-patients/search', {
      clinicId: clinic.id,
      family: 'Montalvo',
      given: 'Margarita',
      birthDate: '2000-06-16',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().candidates).toMatchObject([
      { ehrPatientId: ids.margarita, mrn: 'LNK-1002', name: { family: 'Montalvo' } },
    ]);
    const other = await desk.post('/api/staff/ehr-patients/search', {
      clinicId: clinic.id,
      mrn: 'OTH-2001',
    });
    expect(other.json().candidates).toEqual([]);
  });

  it('needs an MRN, or a family name and birth date', async () => {
    const res = await desk.post('/api/staff/ehr-patients/search', {
      clinicId: clinic.id,
      family: 'Montalvo',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('search_needs_more');
  });
});

describe('linking', () => {
  it('makes the portal patient from the EHR: demographics, MRN, EHR id; audited', async () => {
    const since = await lastAuditId(db());
    const res = await desk.post('/api/staff/ehr-patients/link', {
      clinicId: clinic.id,
      ehrPatientId: ids.margarita,
    });
    expect(res.statusCode, res.body).toBe(201);
    const { patientId } = res.json();
    const patient = await db()
      .selectFrom('patients')
      .selectAll()
      .where('id', '=', patientId)
      .executeTakeFirstOrThrow();
    expect(patient).toMatchObject({
      given_name: 'Margarita',
      family_name: 'Montalvo',
      birth_date: '2000-06-16',
      phone: '555-170-8010',
      language: 'es',
      email: null,
      ehr_patient_id: ids.margarita,
    });
    const registrations = await db()
      .selectFrom('patient_clinics')
      .select(['clinic_id', 'mrn'])
      .where('patient_id', '=', patientId)
      .execute();
    expect(registrations).toEqual([{ clinic_id: clinic.id, mrn: 'LNK-1002' }]);
    expect(await auditSince(since)).toMatchObject([
      {
        action: 'create',
        resource_type: 'Patient',
        patient_id: patientId,
        clinic_id: clinic.id,
        outcome: 'success',
      },
    ]);

    // The search now shows the link, and the activation code is issued from it.
    const found = await desk.post('/api/staff/ehr-patients/search', {
      clinicId: clinic.id,
      mrn: 'LNK-1002',
    });
    expect(found.json().candidates[0].linkedPatientId).toBe(patientId);
    const code = await desk.post(`/api/staff/patients/${patientId}/activation-codes`, {});
    expect(code.statusCode, code.body).toBe(200);
    expect(code.json().letter.patientName).toBe('Margarita Montalvo');
  });

  it('again returns the same patient, nothing added', async () => {
    const first = await desk.post('/api/staff/ehr-patients/link', {
      clinicId: clinic.id,
      ehrPatientId: ids.jill,
    });
    expect(first.statusCode).toBe(201);
    const again = await desk.post('/api/staff/ehr-patients/link', {
      clinicId: clinic.id,
      ehrPatientId: ids.jill,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().patientId).toBe(first.json().patientId);
    const rows = await db()
      .selectFrom('patients')
      .select('id')
      .where('ehr_patient_id', '=', ids.jill)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('registers the linked patient at a second clinic with its MRN there', async () => {
    const staff = await createUser(db(), t.config, {
      roles: [{ role: 'clinic_admin', clinicId: otherClinic.id }],
    });
    const admin = await signedInClient(t, staff);
    const res = await admin.post('/api/staff/ehr-patients/link', {
      clinicId: otherClinic.id,
      ehrPatientId: ids.jill,
    });
    expect(res.statusCode, res.body).toBe(200);
    const mrns = await db()
      .selectFrom('patient_clinics')
      .select('mrn')
      .where('patient_id', '=', res.json().patientId)
      .orderBy('mrn')
      .execute();
    expect(mrns.map((m) => m.mrn)).toEqual(['LNK-1001', 'OTH-2001']);
  });

  it('links a portal patient already registered under that MRN', async () => {
    const local = await createPatient(db(), { clinicId: otherClinic.id });
    await db()
      .updateTable('patient_clinics')
      .set({ mrn: 'OTH-9' })
      .where('patient_id', '=', local.id)
      .execute();
    const staff = await createUser(db(), t.config, {
      roles: [{ role: 'front_desk', clinicId: otherClinic.id }],
    });
    const res = await (await signedInClient(t, staff)).post('/api/staff/ehr-patients/link', {
      clinicId: otherClinic.id,
      ehrPatientId: ids.unregistered,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().patientId).toBe(local.id);
  });

  it('needs an MRN at the clinic in the EHR', async () => {
    const res = await desk.post('/api/staff/ehr-patients/link', {
      clinicId: clinic.id,
      ehrPatientId: ids.unregistered,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('no_mrn_at_clinic');
  });

  it('answers 404 for an id the EHR does not know', async () => {
    const res = await desk.post('/api/staff/ehr-patients/link', {
      clinicId: clinic.id,
      ehrPatientId: 'no-such-patient',
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ehr_patient_not_found');
  });
});

describe('refusals', () => {
  it('staff of another clinic, audited', async () => {
    const staff = await createUser(db(), t.config, {
      roles: [{ role: 'front_desk', clinicId: otherClinic.id }],
    });
    const other = await signedInClient(t, staff);
    for (const [url, body] of [
      ['/api/staff/ehr-patients/search', { clinicId: clinic.id, mrn: 'LNK-1001' }],
      ['/api/staff/ehr-patients/link', { clinicId: clinic.id, ehrPatientId: ids.margarita }],
    ] as const) {
      const since = await lastAuditId(db());
      const res = await other.post(url, body);
      expect(res.statusCode, url).toBe(403);
      expect(res.body).not.toContain('Tillman');
      expect(await auditSince(since), url).toMatchObject([
        {
          action: 'access_denied',
          outcome: 'failure',
          actor_user_id: staff.id,
          clinic_id: clinic.id,
        },
      ]);
    }
  });

  it('a nurse, a patient and a proxy', async () => {
    const patient = await createPatient(db(), { clinicId: clinic.id });
    const users = [
      await createUser(db(), t.config, { roles: [{ role: 'nurse', clinicId: clinic.id }] }),
      await createUser(db(), t.config, {
        roles: [{ role: 'patient', clinicId: null }],
        patientId: patient.id,
      }),
      await createUser(db(), t.config, { roles: [{ role: 'proxy', clinicId: null }] }),
    ];
    for (const user of users) {
      const client = await signedInClient(t, user);
      const since = await lastAuditId(db());
      const res = await client.post('/api/staff/ehr-patients/search', {
        clinicId: clinic.id,
        mrn: 'LNK-1001',
      });
      expect(res.statusCode).toBe(403);
      const link = await client.post('/api/staff/ehr-patients/link', {
        clinicId: clinic.id,
        ehrPatientId: ids.jill,
      });
      expect(link.statusCode).toBe(403);
      const denied = (await auditSince(since)).filter((r) => r.action === 'access_denied');
      expect(denied).toHaveLength(2);
    }
  });

  it('extra fields (mass assignment), changing nothing', async () => {
    const before = await db().selectFrom('patients').select('id').execute();
    for (const [url, body] of [
      ['/api/staff/ehr-patients/search', { clinicId: clinic.id, mrn: 'LNK-1001', role: 'x' }],
      [
        '/api/staff/ehr-patients/link',
        { clinicId: clinic.id, ehrPatientId: ids.margarita, patientId: before[0]?.id },
      ],
    ] as const) {
      const res = await desk.post(url, body);
      expect(res.statusCode, url).toBe(400);
    }
    expect(await db().selectFrom('patients').select('id').execute()).toHaveLength(before.length);
  });
});

describe('when the EHR does not answer', () => {
  it('is a 502 ehr_unavailable a person can act on', async () => {
    ehr.faults = { failNext: 100, status: 503 };
    try {
      for (const [url, body] of [
        ['/api/staff/ehr-patients/search', { clinicId: clinic.id, mrn: 'LNK-1001' }],
        ['/api/staff/ehr-patients/link', { clinicId: clinic.id, ehrPatientId: ids.jill }],
      ] as const) {
        const res = await desk.post(url, body);
        expect(res.statusCode, url).toBe(502);
        expect(res.json().error).toMatchObject({
          code: 'ehr_unavailable',
          message: "The clinic's record system did not answer; try again in a minute.",
        });
      }
    } finally {
      ehr.faults = {};
    }
  });
});

describe('with background jobs', () => {
  it("queues the linked patient's record sync", async () => {
    const jobs = await startJobs(t.database, createLogger('silent'));
    const withJobs = await testApp({ database: t.database, jobs, ehr: gateway });
    try {
      await registerSyncJobs(jobs, db(), gateway, createLogger('silent'));
      const ehrPatientId = await load(CLAUDIE, { [clinic.slug]: 'LNK-1003' });
      const staff = await createUser(db(), t.config, {
        roles: [{ role: 'front_desk', clinicId: clinic.id }],
      });
      const client = await signedInClient(withJobs, staff);
      const res = await client.post('/api/staff/ehr-patients/link', {
        clinicId: clinic.id,
        ehrPatientId,
      });
      expect(res.statusCode, res.body).toBe(201);
      const synced = () =>
        db()
          .selectFrom('audit_events')
          .select('details')
          .where('patient_id', '=', res.json().patientId)
          .where('resource_type', '=', 'EhrSync')
          .executeTakeFirst();
      await vi.waitFor(async () => expect(await synced()).toBeDefined(), {
        timeout: 20_000,
        interval: 200,
      });
      expect((await synced())?.details).toMatchObject({ trigger: 'link' });
    } finally {
      await withJobs.close();
      await jobs.stop(5000);
    }
  });
});
