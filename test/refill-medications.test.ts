// The pharmacy facts refills turn on (last fill, days of supply, refills
// left), read from what the sync cached of the EHR's prescriptions and
// dispenses; the demo EHR's fills and showcase prescriptions; the demo
// clinics' pharmacies, rules and protocols.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryRepository } from '@medplum/fhir-router';
import type {
  Bundle,
  BundleEntry,
  MedicationDispense,
  MedicationRequest,
} from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { addFills, planFor, SHOWCASE, showcaseId } from '../src/ehr/demo/fills.ts';
import { FIXTURES_DIR, loadFixtures, prepareBundle, roster } from '../src/ehr/demo/fixtures.ts';
import { startDemoEhr } from '../src/ehr/demo/server.ts';
import { createGateway } from '../src/ehr/gateway/fhir-client.ts';
import { mrnSystem } from '../src/ehr/identifiers.ts';
import { syncPatient } from '../src/ehr/sync/sync.ts';
import { ACCOUNT_HOLDER_MRN } from '../src/modules/accounts/demo.ts';
import { demoClinics } from '../src/modules/clinics/demo.ts';
import { controlledSchedule } from '../src/modules/refills/controlled.ts';
import { demoPharmacies, demoProtocols, seedRefillDemo } from '../src/modules/refills/demo.ts';
import {
  type PatientMedication,
  patientMedication,
  patientMedications,
  toPatientMedication,
} from '../src/modules/refills/medications.ts';
import { addDays, ymd } from '../src/platform/time/zoned-time.ts';
import { seedDemo } from '../src/seed.ts';
import { type TestDatabase, testDatabase } from './support/database.ts';
import { createClinic, createPatient } from './support/factories.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const cleanups: (() => Promise<void>)[] = [];
let database: TestDatabase;
const db = () => database.db;

beforeAll(async () => {
  database = await testDatabase();
  cleanups.push(() => database.close());
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A portal patient linked to `ehrPatientId` and synced from the EHR at `baseUrl`. */
async function syncedPatient(baseUrl: string, ehrPatientId: string) {
  const clinic = await createClinic(db());
  const patient = await createPatient(db(), { clinicId: clinic.id });
  await db()
    .updateTable('patients')
    .set({ ehr_patient_id: ehrPatientId })
    .where('id', '=', patient.id)
    .execute();
  const gateway = createGateway({ baseUrl, auth: { kind: 'none' }, timeoutMs: 10_000 });
  const result = await syncPatient(db(), gateway, patient.id, { trigger: 'test' });
  return { patientId: patient.id, result };
}

describe('medication facts from the cache', () => {
  let server: FhirServer;
  let patientId: string;
  let meds: PatientMedication[];
  // Transaction bundles name their entries by urn:uuid, so real UUIDs.
  const urns = new Map<string, string>();
  const urn = (key: string) => {
    if (!urns.has(key)) urns.set(key, `urn:uuid:${randomUUID()}`);
    return urns.get(key) as string;
  };
  const byName = (name: string) => meds.find((m) => m.name === name) as PatientMedication;

  const order = (
    key: string,
    name: string,
    extra: Partial<MedicationRequest> = {},
  ): BundleEntry => ({
    fullUrl: urn(key),
    request: { method: 'POST', url: 'MedicationRequest' },
    resource: {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: {
        coding: [
          { system: 'http://snomed.info/sct', code: '1234' },
          { system: RXNORM, code: `${key.length}0${name.length}`, display: name },
        ],
        text: name,
      },
      subject: { reference: urn('patient') },
      requester: { reference: urn('doctor') },
      dosageInstruction: [{ text: 'one tablet a day' }],
      ...extra,
    } as MedicationRequest,
  });
  const dispense = (
    of: string,
    whenHandedOver: string,
    extra: Partial<MedicationDispense> = {},
  ): BundleEntry => ({
    request: { method: 'POST', url: 'MedicationDispense' },
    resource: {
      resourceType: 'MedicationDispense',
      status: 'completed',
      medicationCodeableConcept: { text: 'as prescribed' },
      subject: { reference: urn('patient') },
      authorizingPrescription: [{ reference: urn(of) }],
      whenHandedOver,
      ...extra,
    } as MedicationDispense,
  });
  const supply = (value: number, code = 'd') => ({
    value,
    unit: code === 'd' ? 'days' : 'weeks',
    system: 'http://unitsofmeasure.org',
    code,
  });

  beforeAll(async () => {
    server = await startFhirServer();
    cleanups.push(() => server.close());
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: urn('patient'),
          request: { method: 'POST', url: 'Patient' },
          resource: { resourceType: 'Patient', name: [{ family: 'Fillmore', given: ['Ada'] }] },
        },
        {
          fullUrl: urn('doctor'),
          request: { method: 'POST', url: 'Practitioner' },
          resource: {
            resourceType: 'Practitioner',
            name: [{ prefix: ['Dr.'], given: ['Iris'], family: 'Vale' }],
          },
        },
        // Three refills allowed, filled three times: one left; the latest fill says 28 days.
        order('refilled', 'Metformin 500 MG Oral Tablet', {
          authoredOn: '2025-01-10',
          dispenseRequest: { numberOfRepeatsAllowed: 3, expectedSupplyDuration: supply(30) },
        }),
        dispense('refilled', '2025-01-11', { daysSupply: supply(30) }),
        dispense('refilled', '2025-03-02T10:15:00-05:00', { daysSupply: supply(28) }),
        dispense('refilled', '2025-02-09', { daysSupply: supply(30) }),
        // Neither cancelled nor entered-in-error dispenses count as fills.
        dispense('refilled', '2025-04-01', { status: 'cancelled', daysSupply: supply(5) }),
        dispense('refilled', '2025-04-02', { status: 'entered-in-error' }),
        // Never filled: the expected supply, in weeks, is what the EHR says.
        order('unfilled', 'Losartan 50 MG Oral Tablet', {
          authoredOn: '2025-02-01',
          dispenseRequest: { numberOfRepeatsAllowed: 2, expectedSupplyDuration: supply(13, 'wk') },
        }),
        // Filled more often than allowed: none left, not fewer than none.
        order('used-up', 'Atorvastatin 20 MG Oral Tablet', {
          authoredOn: '2024-06-01',
          dispenseRequest: { numberOfRepeatsAllowed: 1 },
        }),
        dispense('used-up', '2024-06-02'),
        dispense('used-up', '2024-09-01'),
        dispense('used-up', '2024-12-01'),
        // Synthea's kind: no dispenseRequest, no fills, no RxNorm.
        {
          fullUrl: urn('bare'),
          request: { method: 'POST', url: 'MedicationRequest' },
          resource: {
            resourceType: 'MedicationRequest',
            status: 'stopped',
            intent: 'order',
            medicationCodeableConcept: { text: 'Old cream' },
            subject: { reference: urn('patient') },
            authoredOn: '2020-05-05',
          },
        },
      ],
    };
    const loaded = await server.load(bundle);
    const ehrPatientId = loaded.entry?.[0]?.response?.location?.split('/')[1] as string;
    const synced = await syncedPatient(server.baseUrl, ehrPatientId);
    expect(synced.result.fetched.MedicationDispense).toBe(8);
    patientId = synced.patientId;
    meds = await patientMedications(db(), patientId);
  });

  it('counts refills left from the completed fills after the first', () => {
    expect(byName('Metformin 500 MG Oral Tablet').refillsRemaining).toBe(3 - 2);
    expect(byName('Losartan 50 MG Oral Tablet').refillsRemaining).toBe(2);
    expect(byName('Atorvastatin 20 MG Oral Tablet').refillsRemaining).toBe(0);
  });

  it('takes the last fill date and days of supply from the latest completed dispense', () => {
    expect(byName('Metformin 500 MG Oral Tablet')).toMatchObject({
      lastFilledOn: '2025-03-02',
      daysSupply: 28,
    });
    expect(byName('Atorvastatin 20 MG Oral Tablet').lastFilledOn).toBe('2024-12-01');
  });

  it("dates a fill handed over at a time by the clinic's calendar, a date as written", () => {
    const order = {
      resourceType: 'MedicationRequest',
      id: 'mr-tz',
      status: 'active',
      medicationCodeableConcept: { text: 'Metformin 500 MG Oral Tablet' },
    };
    const fill = (whenHandedOver: string) => ({
      status: 'completed',
      whenHandedOver,
      authorizingPrescription: [{ reference: 'MedicationRequest/mr-tz' }],
    });
    const zone = 'America/Chicago';
    // 21:30 in Chicago on 1 March is already 2 March in UTC.
    const evening = fill('2026-03-02T03:30:00Z');
    expect(toPatientMedication(order, new Map(), [evening], zone).lastFilledOn).toBe('2026-03-01');
    expect(toPatientMedication(order, new Map(), [evening]).lastFilledOn).toBe('2026-03-02');
    expect(toPatientMedication(order, new Map(), [fill('2026-03-02')], zone).lastFilledOn).toBe(
      '2026-03-02',
    );
    // The latest fill by the clinic's days, whatever offset each was written with.
    const later = fill('2026-03-01T23:00:00-06:00');
    expect(
      toPatientMedication(order, new Map(), [fill('2026-02-27T10:00:00Z'), later], zone)
        .lastFilledOn,
    ).toBe('2026-03-01');
  });

  it("falls back to the prescription's expected supply when nothing was filled", () => {
    expect(byName('Losartan 50 MG Oral Tablet')).toMatchObject({
      lastFilledOn: null,
      daysSupply: 13 * 7,
    });
  });

  it('says unknown when the EHR gives no refills, supply or fills', () => {
    expect(byName('Atorvastatin 20 MG Oral Tablet').daysSupply).toBeNull();
    expect(byName('Old cream')).toMatchObject({
      rxnormCode: null,
      refillsRemaining: null,
      daysSupply: null,
      lastFilledOn: null,
      prescriber: null,
      ehrPrescriberId: null,
    });
  });

  it('names the RxNorm code, the prescriber and their EHR id, with the instructions', async () => {
    const metformin = byName('Metformin 500 MG Oral Tablet');
    expect(metformin.rxnormCode).toBe(`${'refilled'.length}0${metformin.name.length}`);
    expect(metformin.prescriber).toBe('Dr. Iris Vale');
    const doctor = await server.repo.searchOne({ resourceType: 'Practitioner' });
    expect(metformin.ehrPrescriberId).toBe(doctor?.id);
    expect(metformin.instructions).toEqual(['one tablet a day']);
    expect(metformin.prescribedOn).toBe('2025-01-10');
  });

  it('lists active prescriptions first, then the newest, and finds one by id', async () => {
    expect(meds.map((m) => m.name)).toEqual([
      'Losartan 50 MG Oral Tablet',
      'Metformin 500 MG Oral Tablet',
      'Atorvastatin 20 MG Oral Tablet',
      'Old cream',
    ]);
    const one = meds[1] as PatientMedication;
    expect(await patientMedication(db(), patientId, one.id)).toEqual(one);
    expect(await patientMedication(db(), patientId, 'no-such-id')).toBeUndefined();
  });

  it("never shows another patient's prescriptions", async () => {
    const other = await createPatient(db(), { clinicId: (await createClinic(db())).id });
    expect(await patientMedications(db(), other.id)).toEqual([]);
    expect(await patientMedication(db(), other.id, meds[0]?.id as string)).toBeUndefined();
  });
});

describe("the demo EHR's fills", () => {
  const now = new Date();
  const today = ymd(now.getTime());

  function preparedFixtures() {
    const shared = new Map<string, string>();
    return roster.map((entry) => {
      const bundle = JSON.parse(
        fs.readFileSync(path.join(FIXTURES_DIR, entry.file), 'utf8'),
      ) as Bundle;
      const resources = prepareBundle(bundle, entry, shared, now);
      return [...resources, ...addFills(resources, entry.mrns, now)];
    });
  }

  it('gives every active prescription refills, a supply and fills, the same on every load', async () => {
    const first = preparedFixtures();
    expect(preparedFixtures()).toEqual(first);
    const all = first.flat();
    const active = all.filter(
      (r): r is MedicationRequest =>
        r.resourceType === 'MedicationRequest' && r.status === 'active',
    );
    const dispenses = all.filter(
      (r): r is MedicationDispense => r.resourceType === 'MedicationDispense',
    );
    expect(active.length).toBeGreaterThan(20);
    for (const order of active) {
      const plan = planFor(order.id as string);
      const { numberOfRepeatsAllowed, expectedSupplyDuration } = order.dispenseRequest ?? {};
      expect(numberOfRepeatsAllowed).toBeGreaterThanOrEqual(0);
      expect(numberOfRepeatsAllowed).toBeLessThanOrEqual(5);
      expect([30, 90]).toContain(expectedSupplyDuration?.value);
      expect(expectedSupplyDuration).toMatchObject({ unit: 'days', code: 'd' });
      const fills = dispenses.filter(
        (d) => d.authorizingPrescription?.[0]?.reference === `MedicationRequest/${order.id}`,
      );
      if (!order.id?.startsWith('demo-rx-')) expect(fills).toHaveLength(plan.fills);
      expect(fills.length).toBeLessThanOrEqual((numberOfRepeatsAllowed ?? 0) + 1);
      for (const f of fills) {
        expect(f.subject).toEqual(order.subject);
        expect(f.whenHandedOver && f.whenHandedOver <= today).toBe(true);
      }
    }
    // Some without refills (renewals), some due now, some too soon.
    const plans = active.map((o) => planFor(o.id as string));
    expect(plans.some((p) => p.refillsAllowed === 0)).toBe(true);
    expect(plans.some((p) => p.lastFillDaysAgo >= p.supplyDays - 7)).toBe(true);
    expect(plans.some((p) => p.lastFillDaysAgo < p.supplyDays - 7)).toBe(true);
  });

  it("loads the demo patient's showcase prescriptions only for that patient", async () => {
    const repo = new MemoryRepository();
    await loadFixtures(repo, now);
    const holder = roster.findIndex((e) => Object.values(e.mrns).includes(ACCOUNT_HOLDER_MRN));
    const showcase = preparedFixtures()
      .map((rs, i) => ({ i, ids: rs.filter((r) => r.id?.startsWith('demo-rx-')).map((r) => r.id) }))
      .filter((x) => x.ids.length > 0);
    expect(showcase).toEqual([{ i: holder, ids: SHOWCASE.map((s) => showcaseId(s.key)) }]);
    for (const s of SHOWCASE)
      expect(
        (await repo.readResource<MedicationRequest>('MedicationRequest', showcaseId(s.key))).status,
      ).toBe('active');
  });

  it("has the demo patient's schedule II, schedule IV, due, renewal and too-soon examples after a sync", {
    timeout: 60_000,
  }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-refill-meds-'));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const ehr = await startDemoEhr({ dataDir, log: { info() {}, error() {} } });
    cleanups.push(() => ehr.close());
    const config = loadConfig({ NODE_ENV: 'test' });
    const gateway = createGateway(config.ehr, { baseUrl: ehr.baseUrl });
    const holder = await gateway.findPatientByIdentifier(
      mrnSystem('riverside'),
      ACCOUNT_HOLDER_MRN,
    );
    const { patientId, result } = await syncedPatient(ehr.baseUrl, holder?.id as string);
    expect(result.quarantined).toEqual({});
    const meds = await patientMedications(db(), patientId);
    const byCode = (code: string) => meds.find((m) => m.rxnormCode === code) as PatientMedication;
    // Due when the last fill runs out within the demo clinics' 7 days.
    const availableOn = (m: PatientMedication) =>
      addDays(m.lastFilledOn as string, (m.daysSupply as number) - 7);

    const oxycodone = byCode('1049621');
    expect(controlledSchedule(oxycodone)).toBe(2);
    expect(oxycodone).toMatchObject({ status: 'active', refillsRemaining: 0 });
    const zolpidem = byCode('854873');
    expect(controlledSchedule(zolpidem)).toBe(4);
    expect(zolpidem).toMatchObject({ status: 'active', refillsRemaining: 4 });
    expect(meds.filter((m) => m.status === 'active' && controlledSchedule(m) !== null)).toEqual([
      oxycodone,
      zolpidem,
    ]);
    const lisinopril = byCode('314076');
    expect(lisinopril.refillsRemaining).toBeGreaterThan(0);
    expect(availableOn(lisinopril) <= today).toBe(true);
    const simvastatin = byCode('312961');
    expect(simvastatin.refillsRemaining).toBe(0);
    expect(availableOn(simvastatin) <= today).toBe(true);
    expect(availableOn(byCode('197361')) > today).toBe(true);
    // Prescribed by the demo provider, the patient's family doctor.
    for (const m of [oxycodone, lisinopril])
      expect(m).toMatchObject({
        prescriber: 'Dr. Elias Brandt',
        ehrPrescriberId: 'practitioner-riverside-1',
      });
    // The patient's own prescriptions stay, with fills of their own.
    const synthea = meds.filter((m) => m.status === 'active' && !m.id.startsWith('demo-rx-'));
    expect(synthea.length).toBeGreaterThanOrEqual(5);
    for (const m of synthea) {
      expect(m.lastFilledOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect([30, 90]).toContain(m.daysSupply);
      expect(m.refillsRemaining).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('the demo clinics’ refill set-up', () => {
  it('gives each demo clinic pharmacies, the rules and a nurse protocol, once', async () => {
    const local = await testDatabase();
    cleanups.push(() => local.close());
    await seedDemo(local.db); // the demo seed sets refills up too
    const clinics = await local.db.selectFrom('clinics').select(['id', 'slug']).execute();
    expect(clinics.map((c) => c.slug).sort()).toEqual(demoClinics.map((c) => c.slug).sort());
    for (const clinic of clinics) {
      const pharmacies = await local.db
        .selectFrom('pharmacies')
        .select(['name', 'ncpdp_id'])
        .where('clinic_id', '=', clinic.id)
        .execute();
      expect(pharmacies.length).toBeGreaterThanOrEqual(3);
      expect(pharmacies.length).toBeLessThanOrEqual(4);
      expect(pharmacies.map((p) => p.name).sort()).toEqual(
        (demoPharmacies[clinic.slug] ?? []).map((p) => p.name).sort(),
      );
      for (const p of pharmacies) expect(p.ncpdp_id).toMatch(/^\d{7}$/);
      const rules = await local.db
        .selectFrom('refill_rules')
        .selectAll()
        .where('clinic_id', '=', clinic.id)
        .executeTakeFirstOrThrow();
      expect(rules).toMatchObject({
        early_days: 7,
        controlled_online: true,
        target_business_days: 2,
      });
      const protocols = await local.db
        .selectFrom('refill_protocols')
        .select('rxnorm_code')
        .where('clinic_id', '=', clinic.id)
        .execute();
      expect(protocols.map((p) => p.rxnorm_code).sort()).toEqual(
        demoProtocols.map((p) => p.rxnorm_code).sort(),
      );
    }
    const count = async (table: 'pharmacies' | 'refill_rules' | 'refill_protocols') =>
      Number(
        (
          await local.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = [
      await count('pharmacies'),
      await count('refill_rules'),
      await count('refill_protocols'),
    ];
    expect(await seedRefillDemo(local.db)).toBe(0);
    expect([
      await count('pharmacies'),
      await count('refill_rules'),
      await count('refill_protocols'),
    ]).toEqual(before);
  });
});
