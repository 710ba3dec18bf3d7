// The discrepancy desk: a test edits the EHR behind the portal's back, the
// reconcile run records the difference with both versions, the desk lists
// it, and each resolution (take the EHR's version, push the portal's through
// the outbox, dismiss with a note) changes the side chosen and is audited.
// The open count per clinic is a metric.
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../src/ehr/gateway/fhir-client.ts';
import { DEFAULT_POLICY, drainOutbox } from '../src/ehr/outbox/worker.ts';
import { CHECKS, reconcile } from '../src/ehr/reconcile/reconcile.ts';
import { DISCREPANCY_TYPES } from '../src/ehr/reconcile/tables.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';

let t: TestApp;
let ehr: FhirServer;
let clinic: { id: string; slug: string };
let otherClinic: { id: string; slug: string };
let admin: Client;
let adminId: string;
const db = () => t.database.db;

const gateway = () =>
  createGateway(
    { baseUrl: ehr.baseUrl, auth: { kind: 'none' }, timeoutMs: 2000 },
    { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 } },
  );

beforeAll(async () => {
  t = await testApp();
  ehr = await startFhirServer();
  clinic = await createClinic(db());
  otherClinic = await createClinic(db());
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'clinic_admin', clinicId: clinic.id }],
  });
  adminId = user.id;
  admin = await signedInClient(t, user);
});
afterAll(async () => {
  await ehr?.close();
  await t?.close();
});

let serial = 0;
/** A portal patient linked to an EHR Patient with the same names and birth date. */
async function linkedPatient(clinicId = clinic.id) {
  const family = `Reconcile${++serial}`;
  const portal = await createPatient(db(), {
    clinicId,
    givenName: 'Ana Maria',
    familyName: family,
    birthDate: '1980-04-12',
  });
  const created = await gateway().create<Patient>({
    resourceType: 'Patient',
    name: [{ use: 'official', given: ['Ana', 'Maria'], family }],
    birthDate: '1980-04-12',
    gender: 'female',
  });
  const ehrId = created.id as string;
  await db()
    .updateTable('patients')
    .set({ ehr_patient_id: ehrId })
    .where('id', '=', portal.id)
    .execute();
  return { id: portal.id, ehrId, family };
}

/** Someone at the clinic changes the EHR's record; the portal is not told. */
async function editEhr(ehrId: string, change: (p: Patient) => Patient) {
  const current = (await gateway().read<Patient>('Patient', ehrId)) as Patient;
  await gateway().update({ ...change(current), id: ehrId });
}

const renameInEhr = (family: string) => (p: Patient) => ({
  ...p,
  name: [{ ...p.name?.[0], family }],
});

const openFor = (patientId: string) =>
  db()
    .selectFrom('discrepancies')
    .selectAll()
    .where('patient_id', '=', patientId)
    .where('status', '=', 'open')
    .execute();

const portalPatient = (id: string) =>
  db()
    .selectFrom('patients')
    .select(['given_name', 'family_name', 'birth_date'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

const resolutionAudit = (discrepancyId: string) =>
  db()
    .selectFrom('audit_events')
    .selectAll()
    .where('resource_type', '=', 'Discrepancy')
    .where('resource_id', '=', discrepancyId)
    .where('action', '=', 'update')
    .execute();

const resolve = (id: string, body: unknown) =>
  admin.post(`/api/admin/discrepancies/${id}/resolve`, body);

const openMetric = async (slug: string) => {
  const text = (await admin.get('/metrics')).body;
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`ehr_open_discrepancies{clinic="${slug}"}`));
  return line ? Number(line.split(' ').at(-1)) : undefined;
};

describe('reconciling demographics', () => {
  it('finds nothing while both sides agree', async () => {
    const p = await linkedPatient();
    const summary = await reconcile(db(), gateway(), { scope: { patientId: p.id } });
    expect(summary).toMatchObject({ checked: 1, found: 0, opened: 0, errors: 0 });
    expect(await openFor(p.id)).toEqual([]);
  });

  it('records a change made in the EHR behind the portal, once, with both versions', async () => {
    const p = await linkedPatient();
    await editEhr(p.ehrId, renameInEhr(`${p.family}-Garcia`));
    const first = await reconcile(db(), gateway(), { scope: { patientId: p.id } });
    expect(first).toMatchObject({ checked: 1, found: 1, opened: 1 });
    const again = await reconcile(db(), gateway(), { scope: { patientId: p.id } });
    expect(again).toMatchObject({ found: 1, opened: 0 });
    const open = await openFor(p.id);
    expect(open).toHaveLength(1);
    const ehrNow = (await gateway().read<Patient>('Patient', p.ehrId)) as Patient;
    expect(open[0]).toMatchObject({
      type: 'demographics_changed',
      clinic_id: clinic.id,
      severity: 'medium',
      suggested_action: 'take_ehr',
      subject_key: `Patient/${p.id}`,
      ehr_reference: `Patient/${p.ehrId}`,
      ehr_version_id: ehrNow.meta?.versionId,
      portal_version: { givenName: 'Ana Maria', familyName: p.family, birthDate: '1980-04-12' },
      ehr_version: {
        givenName: 'Ana Maria',
        familyName: `${p.family}-Garcia`,
        birthDate: '1980-04-12',
      },
    });
    const created = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('resource_type', '=', 'Discrepancy')
      .where('resource_id', '=', open[0]?.id as string)
      .where('action', '=', 'create')
      .execute();
    expect(created).toHaveLength(1);
  });

  it('rates a different birth date high, and clears a discrepancy once both agree again', async () => {
    const p = await linkedPatient();
    await editEhr(p.ehrId, (e) => ({ ...e, birthDate: '1981-04-12' }));
    await reconcile(db(), gateway(), { scope: { patientId: p.id } });
    const [open] = await openFor(p.id);
    expect(open?.severity).toBe('high');
    await editEhr(p.ehrId, (e) => ({ ...e, birthDate: '1980-04-12' }));
    const summary = await reconcile(db(), gateway(), { scope: { patientId: p.id } });
    expect(summary.cleared).toBe(1);
    const row = await db()
      .selectFrom('discrepancies')
      .selectAll()
      .where('id', '=', open?.id as string)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'resolved', resolution: 'cleared' });
  });

  it('counts a linked patient the EHR no longer has as an error, and goes on', async () => {
    const p = await linkedPatient();
    const q = await linkedPatient();
    await db()
      .updateTable('patients')
      .set({ ehr_patient_id: 'no-such-patient' })
      .where('id', '=', p.id)
      .execute();
    await editEhr(q.ehrId, renameInEhr('Else'));
    const summary = await reconcile(db(), gateway(), { scope: { clinicId: clinic.id } });
    expect(summary.errors).toBeGreaterThanOrEqual(1);
    expect(await openFor(q.id)).toHaveLength(1);
  });

  it('leaves everything as it was when the EHR cannot be reached', async () => {
    const p = await linkedPatient();
    await editEhr(p.ehrId, renameInEhr('Unseen'));
    ehr.faults = { failNext: 100, status: 503 };
    try {
      const summary = await reconcile(db(), gateway(), { scope: { patientId: p.id } });
      expect(summary).toMatchObject({ checked: 0, found: 0, errors: 1 });
    } finally {
      ehr.faults = {};
    }
    expect(await openFor(p.id)).toEqual([]);
  });

  it('has a check for every discrepancy type', async () => {
    expect(CHECKS.map((c) => c.type).sort()).toEqual([...DISCREPANCY_TYPES].sort());
  });
});

describe('the discrepancy desk', () => {
  /** A linked patient whose family name the EHR changed, reconciled: its open discrepancy. */
  async function discrepancy(clinicId = clinic.id) {
    const p = await linkedPatient(clinicId);
    await editEhr(p.ehrId, renameInEhr(`${p.family}-Ehr`));
    await reconcile(db(), gateway(), { scope: { patientId: p.id } });
    const [open] = await openFor(p.id);
    return { ...p, discrepancyId: open?.id as string };
  }

  it('lists open discrepancies of the clinic with both versions, audited', async () => {
    const d = await discrepancy();
    const res = await admin.get(
      `/api/admin/discrepancies?clinicId=${clinic.id}&type=demographics_changed`,
    );
    expect(res.statusCode).toBe(200);
    const item = res.json().items.find((i: { id: string }) => i.id === d.discrepancyId);
    expect(item).toMatchObject({
      type: 'demographics_changed',
      status: 'open',
      severity: 'medium',
      clinic: { id: clinic.id },
      patient: { id: d.id, name: `Ana Maria ${d.family}` },
      portalVersion: { familyName: d.family },
      ehrVersion: { familyName: `${d.family}-Ehr` },
      suggestedAction: 'take_ehr',
      resolution: null,
      pushStatus: null,
    });
    const queries = await db()
      .selectFrom('audit_events')
      .select('details')
      .where('actor_user_id', '=', adminId)
      .where('resource_type', '=', 'Discrepancy')
      .where('action', '=', 'query')
      .execute();
    expect(queries.length).toBeGreaterThan(0);
  });

  it("takes the EHR's version into the portal, audited; the metric follows", async () => {
    const d = await discrepancy();
    const before = await openMetric(clinic.slug);
    expect(before).toBeGreaterThanOrEqual(1);
    const res = await resolve(d.discrepancyId, { action: 'take_ehr' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'resolved', resolution: 'take_ehr' });
    expect((await portalPatient(d.id)).family_name).toBe(`${d.family}-Ehr`);
    const [event] = await resolutionAudit(d.discrepancyId);
    expect(event).toMatchObject({
      actor_user_id: adminId,
      patient_id: d.id,
      clinic_id: clinic.id,
      details: { type: 'demographics_changed', resolution: 'take_ehr' },
    });
    const patientUpdate = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('resource_type', '=', 'Patient')
      .where('patient_id', '=', d.id)
      .where('action', '=', 'update')
      .executeTakeFirst();
    expect(patientUpdate?.details).toMatchObject({ fields: ['familyName'], source: 'ehr' });
    expect(await openMetric(clinic.slug)).toBe((before as number) - 1);
    const after = await reconcile(db(), gateway(), { scope: { patientId: d.id } });
    expect(after.found).toBe(0);
  });

  it("pushes the portal's version to the EHR through the outbox, audited", async () => {
    const d = await discrepancy();
    const res = await resolve(d.discrepancyId, { action: 'push_portal' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ resolution: 'push_portal', pushStatus: 'pending' });
    const [event] = await resolutionAudit(d.discrepancyId);
    expect(event?.details).toMatchObject({ resolution: 'push_portal' });
    await drainOutbox(db(), gateway(), DEFAULT_POLICY);
    const inEhr = (await gateway().read<Patient>('Patient', d.ehrId)) as Patient;
    expect(inEhr.name?.[0]?.family).toBe(d.family);
    expect(inEhr.gender).toBe('female'); // the rest of the EHR's record kept
    const pushed = await db()
      .selectFrom('discrepancies as x')
      .innerJoin('ehr_outbox as o', 'o.id', 'x.outbox_id')
      .select(['o.status', 'o.kind', 'o.ehr_version'])
      .where('x.id', '=', d.discrepancyId)
      .executeTakeFirstOrThrow();
    expect(pushed).toMatchObject({
      status: 'confirmed',
      kind: 'patient.demographics',
      ehr_version: inEhr.meta?.versionId,
    });
    expect((await reconcile(db(), gateway(), { scope: { patientId: d.id } })).found).toBe(0);
  });

  it('never overwrites a change the EHR got after the desk looked', async () => {
    const d = await discrepancy();
    await editEhr(d.ehrId, renameInEhr(`${d.family}-Newer`));
    expect((await resolve(d.discrepancyId, { action: 'push_portal' })).statusCode).toBe(200);
    await drainOutbox(db(), gateway(), DEFAULT_POLICY);
    const view = (await admin.get(`/api/admin/discrepancies?status=resolved`)).json();
    expect(view.items.find((i: { id: string }) => i.id === d.discrepancyId)?.pushStatus).toBe(
      'dead',
    );
    const inEhr = (await gateway().read<Patient>('Patient', d.ehrId)) as Patient;
    expect(inEhr.name?.[0]?.family).toBe(`${d.family}-Newer`);
    await reconcile(db(), gateway(), { scope: { patientId: d.id } });
    expect(await openFor(d.id)).toHaveLength(1);
  });

  it('dismisses only with a note, audited; a settled discrepancy stays settled', async () => {
    const d = await discrepancy();
    const bare = await resolve(d.discrepancyId, { action: 'dismiss' });
    expect(bare.statusCode).toBe(400);
    expect(bare.json().error.code).toBe('note_required');
    expect((await resolve(d.discrepancyId, { action: 'dismiss', note: '  ' })).statusCode).toBe(
      400,
    );
    const note = 'Patient confirmed by phone: the EHR spelling is a typo, fixed there next week';
    const res = await resolve(d.discrepancyId, { action: 'dismiss', note });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'dismissed', resolution: 'dismiss', note });
    expect((await portalPatient(d.id)).family_name).toBe(d.family);
    const [event] = await resolutionAudit(d.discrepancyId);
    expect(event?.details).toEqual({
      type: 'demographics_changed',
      resolution: 'dismiss',
      outboxId: null,
    });
    const again = await resolve(d.discrepancyId, { action: 'take_ehr' });
    expect(again.statusCode).toBe(409);
  });

  it('refuses unknown fields, and keeps other clinics and roles away', async () => {
    const d = await discrepancy();
    expect(
      (await resolve(d.discrepancyId, { action: 'take_ehr', clinicId: otherClinic.id })).statusCode,
    ).toBe(400);
    const stranger = await signedInClient(
      t,
      await createUser(db(), t.config, {
        roles: [{ role: 'clinic_admin', clinicId: otherClinic.id }],
      }),
    );
    const theirs = (await stranger.get('/api/admin/discrepancies')).json();
    expect(theirs.items.map((i: { id: string }) => i.id)).not.toContain(d.discrepancyId);
    expect((await stranger.get(`/api/admin/discrepancies?clinicId=${clinic.id}`)).statusCode).toBe(
      403,
    );
    const refused = await stranger.post(`/api/admin/discrepancies/${d.discrepancyId}/resolve`, {
      action: 'take_ehr',
    });
    expect(refused.statusCode).toBe(404);
    const denial = await db()
      .selectFrom('audit_events')
      .select('outcome')
      .where('resource_id', '=', d.discrepancyId)
      .where('action', '=', 'access_denied')
      .executeTakeFirst();
    expect(denial?.outcome).toBe('failure');
    expect(await openFor(d.id)).toHaveLength(1);
    const nurse = await signedInClient(
      t,
      await createUser(db(), t.config, { roles: [{ role: 'nurse', clinicId: clinic.id }] }),
    );
    expect((await nurse.get('/api/admin/discrepancies')).statusCode).toBe(403);
    const system = await signedInClient(
      t,
      await createUser(db(), t.config, { roles: [{ role: 'system_admin', clinicId: null }] }),
    );
    const all = (await system.get('/api/admin/discrepancies')).json();
    expect(all.items.map((i: { id: string }) => i.id)).toContain(d.discrepancyId);
  });

  it('shows the open count of every clinic as a metric, zero included', async () => {
    expect(await openMetric(otherClinic.slug)).toBe(0);
    const open = await db()
      .selectFrom('discrepancies')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('clinic_id', '=', clinic.id)
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow();
    expect(await openMetric(clinic.slug)).toBe(Number(open.n));
    const text = (await admin.get('/metrics')).body;
    expect(text).toMatch(/^ehr_outbox_changes\{status="dead"\} \d+$/m);
  });
});
