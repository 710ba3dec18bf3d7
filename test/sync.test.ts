// Pull sync from a FHIR server this project did not write (@medplum's
// in-memory repository over HTTP), through the real gateway: full and
// incremental sync, quarantine of malformed or foreign resources, and every
// Synthea patient end to end.
import fs from 'node:fs';
import path from 'node:path';
import type { Bundle, MedicationRequest, Resource } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createGateway } from '../src/ehr/gateway/fhir-client.ts';
import { EhrError, type EhrGateway } from '../src/ehr/gateway/gateway.ts';
import { syncAll, syncPatients } from '../src/ehr/sync/batch.ts';
import { SYNCED_TYPES, type SyncedType } from '../src/ehr/sync/feeds.ts';
import {
  cacheSyncedAt,
  FULL_SYNC_NIGHTLY,
  onSignedIn,
  registerSyncJobs,
  SYNC_ALL_QUEUE,
  SYNC_EVERY_30_MINUTES,
} from '../src/ehr/sync/jobs.ts';
import { syncPatient } from '../src/ehr/sync/sync.ts';
import { checkResource } from '../src/ehr/sync/validate.ts';
import { createLogger } from '../src/platform/http/logging.ts';
import { type Jobs, startJobs } from '../src/platform/jobs/jobs.ts';
import { type TestDatabase, testDatabase } from './support/database.ts';
import { createClinic, createPatient } from './support/factories.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';

/** The Synthea set the issue names (../shared/data/synthea beside the project). */
// All 40 Synthea patients where the workspace's shared data sits beside the
// checkout (as in CI); otherwise the 10 the project ships in fixtures/.
const SHARED_SYNTHEA = path.resolve(import.meta.dirname, '../../shared/data/synthea');
const SYNTHEA_DIR =
  process.env.SYNTHEA_DIR ??
  (fs.existsSync(SHARED_SYNTHEA)
    ? SHARED_SYNTHEA
    : path.resolve(import.meta.dirname, '../fixtures/synthea'));
const PATIENT_FILES = fs
  .readdirSync(SYNTHEA_DIR)
  .filter((f) => f.endsWith('.json') && /_[0-9a-f-]{36}\.json$/.test(f))
  .sort();
const readBundle = (file: string) =>
  JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, file), 'utf8')) as Bundle;

/** What a full sync should cache from a Synthea bundle, per type. */
function expectedCounts(bundle: Bundle): Partial<Record<SyncedType, number>> {
  const counts: Partial<Record<SyncedType, number>> = {};
  for (const { resource } of bundle.entry ?? []) {
    const type = resource?.resourceType as SyncedType;
    if (!SYNCED_TYPES.includes(type)) continue;
    if (type === 'Observation') {
      const codes = (resource as { category?: { coding?: { code?: string }[] }[] }).category
        ?.flatMap((c) => c.coding ?? [])
        .map((c) => c.code);
      if (!codes?.some((c) => c === 'laboratory' || c === 'vital-signs')) continue;
    }
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

/** Types with at least one resource (a sync reports 0 for the others). */
const nonZero = (counts: Partial<Record<string, number>>) =>
  Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

/** The gateway, with one method replaced: an EHR that misbehaves in one way. */
const withSearchPages = (gateway: EhrGateway, searchPages: EhrGateway['searchPages']) =>
  Object.assign(Object.create(gateway) as EhrGateway, { searchPages });

let database: TestDatabase;
let clinicId: string;

beforeAll(async () => {
  database = await testDatabase();
  clinicId = (await createClinic(database.db)).id;
});
afterAll(() => database.close());

const db = () => database.db;

/** Loads a bundle, and makes a portal patient linked to its EHR Patient. */
async function loadLinked(server: FhirServer, file: string, clinic = clinicId) {
  const bundle = readBundle(file);
  const result = await server.load(bundle);
  const ehrPatientId = result.entry
    ?.map((e) => e.resource)
    .find((r) => r?.resourceType === 'Patient')?.id as string;
  const patient = await createPatient(db(), { clinicId: clinic });
  await db()
    .updateTable('patients')
    .set({ ehr_patient_id: ehrPatientId })
    .where('id', '=', patient.id)
    .execute();
  return { patientId: patient.id, ehrPatientId, expected: expectedCounts(bundle) };
}

async function cachedCounts(patientId: string) {
  const rows = await db()
    .selectFrom('clinical_resources')
    .select(['resource_type'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('patient_id', '=', patientId)
    .groupBy('resource_type')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.resource_type, Number(r.n)]));
}

const gatewayFor = (server: FhirServer) =>
  createGateway(
    { baseUrl: server.baseUrl, auth: { kind: 'none' }, timeoutMs: 10_000 },
    { retry: { maxAttempts: 2, baseDelayMs: 10 } },
  );

describe('syncing linked patients from a FHIR server', () => {
  let server: FhirServer;
  let gateway: EhrGateway;
  let a: Awaited<ReturnType<typeof loadLinked>>;
  let b: Awaited<ReturnType<typeof loadLinked>>;

  beforeAll(async () => {
    server = await startFhirServer();
    gateway = gatewayFor(server);
    a = await loadLinked(server, 'Alexis_Toy_68cd1181-6359-4047-a77f-a165d7912480.json');
    b = await loadLinked(server, PATIENT_FILES.find((f) => f.startsWith('Jill_')) as string);
  });
  afterAll(() => server.close());

  it('caches every resource of each type in a full sync, and audits it as a system query', async () => {
    const result = await syncPatient(db(), gateway, a.patientId, { trigger: 'test' });
    expect(result.linked).toBe(true);
    expect(nonZero(result.fetched)).toEqual(a.expected);
    expect(result.quarantined).toEqual({});
    expect(await cachedCounts(a.patientId)).toEqual(a.expected);
    const audits = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('patient_id', '=', a.patientId)
      .where('resource_type', '=', 'EhrSync')
      .execute();
    expect(audits).toMatchObject([{ action: 'query', actor_role: 'system', outcome: 'success' }]);
    const state = await db()
      .selectFrom('sync_state')
      .selectAll()
      .where('patient_id', '=', a.patientId)
      .execute();
    expect(state.map((s) => s.resource_type).sort()).toEqual([...SYNCED_TYPES].sort());
    // Prescribers' names were looked up once for the medication list.
    expect(await db().selectFrom('ehr_directory').selectAll().execute()).not.toHaveLength(0);
  });

  it('fetches only what changed in an incremental sync, one request per type', async () => {
    await syncPatient(db(), gateway, a.patientId);
    const [order] = await gateway.search<MedicationRequest>(
      'MedicationRequest',
      { patient: `Patient/${a.ehrPatientId}` },
      1,
    );
    const changed = await server.repo.updateResource<MedicationRequest>({
      ...(order as MedicationRequest),
      status: 'on-hold',
    });
    server.requests.length = 0;

    const result = await syncPatient(db(), gateway, a.patientId);

    expect(server.requests).toHaveLength(SYNCED_TYPES.length);
    // Types with something cached ask only for what changed since; the others ask for all (none).
    for (const type of Object.keys(a.expected))
      expect(server.requests.find((r) => r.url.includes(`/${type}?`))?.url).toContain(
        '_lastUpdated=gt',
      );
    expect(Object.values(result.fetched).reduce((s, n) => s + n, 0)).toBe(1);
    expect(result.stored).toBe(1);
    const row = await db()
      .selectFrom('clinical_resources')
      .selectAll()
      .where('resource_type', '=', 'MedicationRequest')
      .where('id', '=', changed.id as string)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ version_id: changed.meta?.versionId, status: 'on-hold' });
  });

  it('quarantines a malformed resource with a reason and a count, and caches the rest', async () => {
    const broken = await server.repo.createResource<Resource>({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${a.ehrPatientId}` },
    } as MedicationRequest);
    const badStatus = await server.repo.createResource<Resource>({
      resourceType: 'Immunization',
      status: 'given-twice',
      vaccineCode: { text: 'Influenza' },
      patient: { reference: `Patient/${a.ehrPatientId}` },
      occurrenceDateTime: '2024-10-01',
    } as unknown as Resource);
    const before = await cachedCounts(a.patientId);

    const result = await syncPatient(db(), gateway, a.patientId);

    expect(result.quarantined).toEqual({
      'missing required field medication[x]': 1,
      'unknown status': 1,
    });
    expect(await cachedCounts(a.patientId)).toEqual(before);
    const rows = await quarantined(a.patientId);
    expect(rows).toMatchObject([
      { resource_type: 'Immunization', resource_id: badStatus.id, reason: 'unknown status' },
      { resource_id: broken.id, reason: 'missing required field medication[x]', count: 1 },
    ]);

    // Seen again in a full sync: counted, not duplicated.
    await syncPatient(db(), gateway, a.patientId, { full: true });
    expect((await quarantined(a.patientId)).map((r) => r.count)).toEqual([2, 2]);

    // Fixed in the EHR: cached, and the quarantine entry is closed.
    await server.repo.updateResource({
      ...(broken as MedicationRequest),
      medicationCodeableConcept: { text: 'Amoxicillin 250 MG' },
    });
    await syncPatient(db(), gateway, a.patientId);
    const fixed = (await quarantined(a.patientId)).find((r) => r.resource_id === broken.id);
    expect(fixed?.resolved_at).toBeInstanceOf(Date);
    expect((await cachedCounts(a.patientId)).MedicationRequest).toBe(
      (before.MedicationRequest ?? 0) + 1,
    );
  });

  it('never caches a resource about another patient, even when the EHR sends one', async () => {
    const [foreign] = await gateway.search<MedicationRequest>(
      'MedicationRequest',
      { patient: `Patient/${b.ehrPatientId}` },
      1,
    );
    await syncPatient(db(), gateway, b.patientId);
    // An EHR that gets its search wrong: B's prescription on A's page.
    const leaky = withSearchPages(gateway, async function* (type, params) {
      for await (const page of gateway.searchPages(type, params))
        yield type === 'MedicationRequest' ? [...page, foreign as never] : page;
    });
    const result = await syncPatient(db(), leaky, a.patientId);
    expect(result.quarantined).toEqual({ 'refers to another patient': 1 });
    const cached = await db()
      .selectFrom('clinical_resources')
      .select('patient_id')
      .where('id', '=', foreign?.id as string)
      .execute();
    expect(cached).toEqual([{ patient_id: b.patientId }]);
  });

  it('drops what the EHR deleted on a full sync', async () => {
    await syncPatient(db(), gateway, b.patientId);
    const [condition] = await gateway.search<Resource>(
      'Condition',
      { patient: `Patient/${b.ehrPatientId}` },
      1,
    );
    await server.repo.deleteResource('Condition', condition?.id as string);
    const result = await syncPatient(db(), gateway, b.patientId, { full: true });
    expect(result.removed).toBe(1);
    expect((await cachedCounts(b.patientId)).Condition).toBe((b.expected.Condition ?? 0) - 1);
  });

  it('counts a patient the EHR will not answer for as failed, audits it, and carries on', async () => {
    const failing = withSearchPages(gateway, async function* (type, params) {
      if (params.patient === `Patient/${b.ehrPatientId}`) throw new EhrError('down', 503);
      yield* gateway.searchPages(type, params);
    });
    const progress: number[] = [];
    const summary = await syncPatients(db(), failing, {
      patientIds: [a.patientId, b.patientId],
      onProgress: (p) => progress.push(p.done),
    });
    expect(summary).toMatchObject({ patients: 2, synced: 1, failed: 1 });
    expect(summary.failures).toEqual([{ patientId: b.patientId, error: 'EHR answered HTTP 503' }]);
    expect(progress.at(-1)).toBe(2);
    const failure = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('patient_id', '=', b.patientId)
      .where('outcome', '=', 'failure')
      .executeTakeFirstOrThrow();
    expect(failure).toMatchObject({ action: 'query', resource_type: 'EhrSync' });
  });

  it('does nothing for a patient not linked to the EHR', async () => {
    const patient = await createPatient(db(), { clinicId });
    expect(await syncPatient(db(), gateway, patient.id)).toMatchObject({ linked: false });
  });

  it('starts afresh when a patient is linked to another EHR record', async () => {
    const aRecord = await cachedCounts(a.patientId);
    // Staff move the link: A's EHR record now belongs to B.
    await db()
      .updateTable('patients')
      .set({ ehr_patient_id: null })
      .where('id', '=', a.patientId)
      .execute();
    await db()
      .updateTable('patients')
      .set({ ehr_patient_id: a.ehrPatientId })
      .where('id', '=', b.patientId)
      .execute();
    await syncPatient(db(), gateway, b.patientId);
    expect(await cachedCounts(b.patientId)).toEqual(aRecord);
    expect(await cachedCounts(a.patientId)).toEqual({});
    const marks = await db()
      .selectFrom('sync_state')
      .select('ehr_patient_id')
      .distinct()
      .where('patient_id', '=', b.patientId)
      .execute();
    expect(marks).toEqual([{ ehr_patient_id: a.ehrPatientId }]);
  });
});

/** Patient references of every form, right and wrong. */
const reference = fc.oneof(
  fc.string(),
  fc
    .tuple(
      fc.constantFrom('', 'https://ehr.example/fhir/', 'x/', '/', 'urn:uuid:'),
      fc.constantFrom('Patient/', 'Group/', 'patient/', ''),
      fc.constantFrom('p1', 'p2', 'p1x', 'xp1', ''),
      fc.constantFrom('', '/_history/2', '/x', '/_history/'),
    )
    .map((parts) => parts.join('')),
);

describe('refreshing in the background', () => {
  let server: FhirServer;
  let jobs: Jobs;

  beforeAll(async () => {
    server = await startFhirServer();
    jobs = await startJobs(database, createLogger('silent'));
    await registerSyncJobs(jobs, db(), gatewayFor(server), createLogger('silent'));
  });
  afterAll(async () => {
    await jobs?.stop(5000);
    await server?.close();
  });

  it('syncs a patient whose copy is stale soon after they sign in, and not again while fresh', async () => {
    const c = await loadLinked(
      server,
      PATIENT_FILES.find((f) => f.startsWith('Agustin_')) as string,
    );
    const config = { ehrSyncMaxAgeMinutes: 15 };
    expect(await onSignedIn(jobs, db(), config, c.patientId)).toBe(true);
    await vi.waitFor(async () => expect(await cachedSyncedAt(c.patientId)).toBeInstanceOf(Date), {
      timeout: 20_000,
      interval: 200,
    });
    expect(await cachedCounts(c.patientId)).toEqual(c.expected);
    const audit = await db()
      .selectFrom('audit_events')
      .select('details')
      .where('patient_id', '=', c.patientId)
      .where('resource_type', '=', 'EhrSync')
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ trigger: 'sign-in' });
    expect(await onSignedIn(jobs, db(), config, c.patientId)).toBe(false);
    const unlinked = await createPatient(db(), { clinicId });
    expect(await onSignedIn(jobs, db(), config, unlinked.id)).toBe(false);
  });

  it('schedules a sweep of every linked patient every 30 minutes and a full one nightly', async () => {
    const schedules = await jobs.boss.getSchedules(SYNC_ALL_QUEUE);
    expect(schedules.map((s) => [s.cron, s.data]).sort()).toEqual(
      [
        [SYNC_EVERY_30_MINUTES, { full: false }],
        [FULL_SYNC_NIGHTLY, { full: true }],
      ].sort(),
    );
  });
});

const cachedSyncedAt = (patientId: string) => cacheSyncedAt(db(), patientId);

describe('checking resources', () => {
  it('caches a resource only when every patient reference names this patient', () => {
    fc.assert(
      fc.property(reference, fc.string(), (reference, status) => {
        const verdict = checkResource('Condition', 'p1', {
          resourceType: 'Condition',
          id: 'c1',
          clinicalStatus: { coding: [{ code: status }] },
          subject: { reference },
        });
        const ours = /^(.*\/)?Patient\/p1(\/_history\/[^/]+)?$/.test(reference);
        expect(verdict.ok).toBe(ours);
      }),
    );
  });

  it('never throws on whatever JSON the EHR sends', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SYNCED_TYPES), fc.jsonValue(), (type, value) => {
        const verdict = checkResource(type, 'p1', value);
        expect(verdict.ok).toBe(false);
      }),
    );
  });
});

async function quarantined(patientId: string) {
  return db()
    .selectFrom('sync_quarantine')
    .selectAll()
    .where('patient_id', '=', patientId)
    .orderBy('resource_type')
    .orderBy('reason')
    .execute();
}

describe('every Synthea patient', () => {
  let server: FhirServer;
  const expected: Partial<Record<SyncedType, number>> = {};
  const patientIds: string[] = [];
  let clinic: string;

  beforeAll(async () => {
    server = await startFhirServer();
    clinic = (await createClinic(db())).id;
    for (const file of PATIENT_FILES) {
      const linked = await loadLinked(server, file, clinic);
      patientIds.push(linked.patientId);
      for (const [type, n] of Object.entries(linked.expected) as [SyncedType, number][])
        expected[type] = (expected[type] ?? 0) + n;
    }
  }, 120_000);
  afterAll(() => server.close());

  it('syncs through the gateway without a crash, quarantine counted by reason', async () => {
    const summary = await syncAll(db(), gatewayFor(server), { clinicId: clinic, concurrency: 4 });
    console.log(
      `Synced ${summary.synced} Synthea patients, ${summary.resources} resources; quarantined: ${JSON.stringify(summary.quarantined)}`,
    );
    expect(PATIENT_FILES.length).toBeGreaterThanOrEqual(SYNTHEA_DIR === SHARED_SYNTHEA ? 40 : 10);
    expect(summary).toMatchObject({ patients: PATIENT_FILES.length, synced: PATIENT_FILES.length });
    expect(summary.failed).toBe(0);
    expect(nonZero(summary.byType)).toEqual(expected);
    const quarantinedTotal = Object.values(summary.quarantined).reduce((s, n) => s + n, 0);
    const rows = await db()
      .selectFrom('sync_quarantine')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('count'), eb.lit(0)).as('n'))
      .where('patient_id', 'in', patientIds)
      .executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(quarantinedTotal);
    const cached = await db()
      .selectFrom('clinical_resources')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('patient_id', 'in', patientIds)
      .executeTakeFirstOrThrow();
    expect(Number(cached.n) + quarantinedTotal).toBe(summary.resources);
  }, 300_000);
});
