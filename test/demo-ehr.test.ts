// The built-in demo EHR: a FHIR R4 server over HTTP, loaded with Synthea
// patients made current and registered at the pilot clinics, with free
// slots in each clinic's hours (DST-correct), state kept across restarts,
// and the portal's demo patients linked to its records.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {
  Bundle,
  Encounter,
  OperationOutcome,
  Patient,
  Practitioner,
  Resource,
  Slot,
  Task,
} from '@medplum/fhirtypes';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { clinicians, demoClinic, NPI_SYSTEM, scheduleId } from '../src/ehr/demo/directory.ts';
import { FIXTURES_DIR, roster, shiftDate } from '../src/ehr/demo/fixtures.ts';
import { demoPatientsFromEhr } from '../src/ehr/demo/link.ts';
import { type DemoEhr, startDemoEhr } from '../src/ehr/demo/server.ts';
import { slotTimes } from '../src/ehr/demo/slots.ts';
import { createGateway } from '../src/ehr/gateway/fhir-client.ts';
import { PORTAL_IDENTIFIER_SYSTEM } from '../src/ehr/gateway/gateway.ts';
import { mrnSystem } from '../src/ehr/identifiers.ts';
import {
  ACCOUNT_HOLDER_MRN,
  DEMO_DOMAIN,
  DEMO_PASSWORD,
  demoEmail,
  PROXY_CHILD_MRN,
} from '../src/modules/accounts/demo.ts';
import { demoClinics } from '../src/modules/clinics/demo.ts';
import { createLogger } from '../src/platform/http/logging.ts';
import { localDate, localTime, zonedTimeToUtc } from '../src/platform/time/zoned-time.ts';
import { seedDemo } from '../src/seed.ts';
import { startPortal } from '../src/server.ts';
import { Client } from './support/client.ts';
import { createServerDatabase, serverUrl, testDatabase } from './support/database.ts';

const config = loadConfig({ NODE_ENV: 'test' });
const quiet = { info() {}, error() {} };
const DAY = 86_400_000;
/** Big pages for searches over every slot (~8,000). */
const ALL = { _count: '1000' };
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-demo-ehr-'));
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(dataDir = tempDir(), now?: Date) {
  const ehr = await startDemoEhr({ dataDir, log: quiet, now: now && (() => now) });
  cleanups.push(() => ehr.close());
  return { ehr, dataDir, gateway: createGateway(config.ehr, { baseUrl: ehr.baseUrl }) };
}

async function fhir(ehr: DemoEhr, pathAndQuery: string, init: RequestInit = {}) {
  const res = await fetch(`${ehr.baseUrl}${pathAndQuery}`, {
    ...init,
    headers: { 'content-type': 'application/fhir+json', ...init.headers },
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Resource };
}

/** Every date or dateTime string in a resource, with where it was. */
function dates(resource: unknown, at = ''): { at: string; value: string }[] {
  if (typeof resource === 'string')
    return /^\d{4}-\d{2}-\d{2}(T|$)/.test(resource) ? [{ at, value: resource }] : [];
  if (Array.isArray(resource)) return resource.flatMap((v) => dates(v, at));
  if (resource && typeof resource === 'object')
    return Object.entries(resource).flatMap(([k, v]) => dates(v, `${at}.${k}`));
  return [];
}

const instant = (value: string) => Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);

const formats = new Map<string, Intl.DateTimeFormat>();

/** Weekday (1 = Monday) and HH:MM of an instant in a zone, straight from Intl. */
function wall(zone: string, iso: string) {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(
    format.formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  const weekday =
    ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday ?? '') + 1;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday,
    time: `${parts.hour}:${parts.minute}`,
  };
}

/** Checks every slot lies in its clinic's hours in local time; returns them by clinic. */
function checkSlotsInHours(slots: Slot[]) {
  const byClinic = new Map<string, Slot[]>();
  for (const slot of slots) {
    const c = clinicians.find((x) => `Schedule/${scheduleId(x)}` === slot.schedule.reference);
    expect(c, slot.schedule.reference).toBeDefined();
    if (!c) continue;
    const clinic = demoClinic(c.clinic);
    const start = wall(clinic.timeZone, slot.start);
    const end = wall(clinic.timeZone, slot.end);
    expect(end.date).toBe(start.date);
    expect(Date.parse(slot.end) - Date.parse(slot.start)).toBe(c.slotMinutes * 60_000);
    const open = clinic.hours.filter((h) => h.weekday === start.weekday);
    expect(
      open.some((h) => h.opens <= start.time && end.time <= h.closes),
      `${c.clinic} ${start.date} ${start.time}–${end.time}`,
    ).toBe(true);
    expect(start.time < '13:00' && end.time > '12:00', 'lunch stays free').toBe(false);
    byClinic.set(c.clinic, [...(byClinic.get(c.clinic) ?? []), slot]);
  }
  return byClinic;
}

describe('the demo EHR', () => {
  let ehr: DemoEhr;
  let gateway: ReturnType<typeof createGateway>;
  const now = new Date();

  beforeAll(async () => {
    ({ ehr, gateway } = await start());
  });

  it('answers /metadata with a CapabilityStatement', async () => {
    const res = await fhir(ehr, '/metadata');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(res.body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
    const rest = (
      res.body as { rest: { resource: { type: string; conditionalCreate: boolean }[] }[] }
    ).rest[0];
    expect(rest?.resource.find((r) => r.type === 'Slot')).toMatchObject({
      conditionalCreate: true,
    });
  });

  it('listens on the loopback interface only', () => {
    expect(new URL(ehr.baseUrl).hostname).toBe('127.0.0.1');
  });

  it('finds every fixture patient by each MRN it carries, one record per person', async () => {
    for (const entry of roster) {
      const ids = new Set<string>();
      for (const [slug, mrn] of Object.entries(entry.mrns)) {
        expect(mrn).toMatch(
          { riverside: /^RFM-1\d{5}$/, prairie: /^PHC-2\d{5}$/, foothills: /^FCC-3\d{5}$/ }[
            slug
          ] as RegExp,
        );
        const patient = await gateway.findPatientByIdentifier(mrnSystem(slug), mrn);
        expect(patient, `${slug} ${mrn}`).not.toBeNull();
        ids.add(patient?.id as string);
      }
      expect(ids.size).toBe(1);
    }
    expect(await gateway.search<Patient>('Patient', {})).toHaveLength(roster.length);
    for (const clinic of demoClinics) {
      const tagged = await gateway.search<Patient>('Patient', {
        _tag: `urn:patient-portal:clinic|${clinic.slug}`,
      });
      expect(tagged).toHaveLength(roster.filter((e) => e.mrns[clinic.slug]).length);
    }
  });

  it('spreads the patients over the three clinics and includes Spanish speakers, a child and an older adult', async () => {
    const patients = await gateway.search<Patient>('Patient', {});
    const year = now.getUTCFullYear();
    const ages = patients.map((p) => year - Number(p.birthDate?.slice(0, 4)));
    expect(Math.min(...ages)).toBeLessThan(10);
    expect(Math.max(...ages)).toBeGreaterThan(75);
    const spanish = patients.filter(
      (p) => p.communication?.[0]?.language.coding?.[0]?.code === 'es',
    );
    expect(spanish.length).toBeGreaterThanOrEqual(2);
    for (const clinic of demoClinics)
      expect(roster.filter((e) => e.mrns[clinic.slug]).length).toBeGreaterThanOrEqual(3);
  });

  it('moves every clinical date so the latest is within the last two weeks and none is ahead', async () => {
    const types = [
      'Encounter',
      'Observation',
      'Condition',
      'MedicationRequest',
      'AllergyIntolerance',
      'Immunization',
      'Procedure',
      'DiagnosticReport',
      'CarePlan',
    ];
    for (const patient of await gateway.search<Patient>('Patient', {})) {
      let latest = 0;
      for (const type of types) {
        for (const r of await gateway.search(type as Resource['resourceType'], {
          patient: `Patient/${patient.id}`,
        })) {
          expect(JSON.stringify(r)).not.toContain('"reference":"urn:uuid:');
          for (const d of dates(r)) {
            if (d.at.endsWith('.lastUpdated')) continue;
            expect(instant(d.value), `${type}${d.at} ${d.value}`).toBeLessThanOrEqual(
              now.getTime(),
            );
            latest = Math.max(latest, instant(d.value));
          }
        }
      }
      expect(latest, patient.id).toBeGreaterThan(now.getTime() - 14 * DAY);
      expect(instant(patient.birthDate as string)).toBeLessThan(now.getTime());
    }
  });

  it('moves dates by whole weeks, keeping times of day, and birthDate with them', async () => {
    const file = roster[0]?.file as string;
    const original = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, file), 'utf8')) as Bundle;
    const before = new Map(original.entry?.map((e) => [e.resource?.id, e.resource]));
    const patient = (await gateway.findPatientByIdentifier(
      mrnSystem('riverside'),
      ACCOUNT_HOLDER_MRN,
    )) as Patient;
    const born = before.get(patient.id) as Patient;
    const shift = (instant(patient.birthDate as string) - instant(born.birthDate as string)) / DAY;
    expect(shift % 7).toBe(0);
    expect(shift).toBeGreaterThan(0);
    const encounters = await gateway.search<Encounter>('Encounter', {
      patient: `Patient/${patient.id}`,
    });
    expect(encounters.length).toBeGreaterThan(5);
    for (const e of encounters) {
      const was = (before.get(e.id) as Encounter).period?.start as string;
      const now = e.period?.start as string;
      expect(now.slice(10)).toBe(was.slice(10));
      expect(Math.round((instant(now) - instant(was)) / DAY)).toBe(shift);
    }
  });

  it('leaves billing out and keeps each shared practitioner once', async () => {
    expect(await gateway.search('Claim', {})).toHaveLength(0);
    expect(await gateway.search('ExplanationOfBenefit', {})).toHaveLength(0);
    const npis = (await gateway.search<Practitioner>('Practitioner', {})).map(
      (p) => p.identifier?.find((i) => i.system === NPI_SYSTEM)?.value,
    );
    expect(new Set(npis).size).toBe(npis.length);
    for (const c of clinicians) expect(npis).toContain(c.npi);
  });

  it('has a schedule per clinician at its clinic and free slots for the next 60 days within opening hours', async () => {
    const schedules = await gateway.schedules({ actor: 'Location/location-riverside' });
    expect(schedules).toHaveLength(clinicians.filter((c) => c.clinic === 'riverside').length);
    const slots = await gateway.freeSlots(ALL);
    const byClinic = checkSlotsInHours(slots);
    for (const clinic of demoClinics) {
      const mine = byClinic.get(clinic.slug) ?? [];
      const days = new Set(mine.map((s) => wall(clinic.timeZone, s.start).date));
      expect(days.size, clinic.slug).toBeGreaterThanOrEqual(40);
      const today = localDate(clinic.timeZone, now.getTime());
      const last = [...days].sort().at(-1) as string;
      expect(Date.parse(last) - Date.parse(today)).toBeGreaterThanOrEqual(55 * DAY);
      for (const s of mine) {
        expect(s.status).toBe('free');
        expect(Date.parse(s.start)).toBeGreaterThan(now.getTime());
        expect(Date.parse(s.start)).toBeLessThan(now.getTime() + 61 * DAY);
      }
    }
  });

  it('pages searches with next links', async () => {
    const first = await fhir(ehr, '/Observation?_count=5');
    const bundle = first.body as Bundle;
    expect(bundle.entry).toHaveLength(5);
    const next = bundle.link?.find((l) => l.relation === 'next')?.url as string;
    expect(next.startsWith(ehr.baseUrl)).toBe(true);
    const second = (await (await fetch(next)).json()) as Bundle;
    expect(second.entry).toHaveLength(5);
    const ids = [...(bundle.entry ?? []), ...(second.entry ?? [])].map((e) => e.resource?.id);
    expect(new Set(ids).size).toBe(10);
    expect(await gateway.search('Observation', {})).toHaveLength(bundle.total as number);
  });

  it('creates once under If-None-Exist, however often it is asked', async () => {
    const task: Task = {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      identifier: [{ system: PORTAL_IDENTIFIER_SYSTEM, value: 'refill-1' }],
    };
    const init = {
      method: 'POST',
      body: JSON.stringify(task),
      headers: { 'if-none-exist': `identifier=${PORTAL_IDENTIFIER_SYSTEM}|refill-1` },
    };
    const first = await fhir(ehr, '/Task', init);
    const second = await fhir(ehr, '/Task', init);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.id).toBe(first.body.id);
    expect(first.headers.get('location')).toContain(`/Task/${first.body.id}/_history/`);
    const viaGateway = await gateway.requestRefill(task, { idempotencyKey: 'refill-1' });
    expect(viaGateway.id).toBe(first.body.id);
    expect(
      await gateway.search('Task', { identifier: `${PORTAL_IDENTIFIER_SYSTEM}|refill-1` }),
    ).toHaveLength(1);
  });

  it('updates only the version named by If-Match', async () => {
    const created = (
      await fhir(ehr, '/Task', {
        method: 'POST',
        body: JSON.stringify({ resourceType: 'Task', status: 'requested', intent: 'order' }),
      })
    ).body as Task;
    const changed = { ...created, status: 'accepted' };
    const stale = await fhir(ehr, `/Task/${created.id}`, {
      method: 'PUT',
      body: JSON.stringify(changed),
      headers: { 'if-match': 'W/"not-the-version"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    const ok = await fhir(ehr, `/Task/${created.id}`, {
      method: 'PUT',
      body: JSON.stringify(changed),
      headers: { 'if-match': `W/"${created.meta?.versionId}"` },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.meta?.versionId).not.toBe(created.meta?.versionId);
    expect(ok.headers.get('etag')).toBe(`W/"${ok.body.meta?.versionId}"`);
  });

  it('answers errors with an OperationOutcome', async () => {
    const missing = await fhir(ehr, '/Patient/no-such-patient');
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
    const bad = await fhir(ehr, '/Task', { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
    expect((bad.body as OperationOutcome).issue?.[0]?.severity).toBe('error');
    const outside = await fetch(ehr.baseUrl.replace(/\/fhir$/, '/other'));
    expect(outside.status).toBe(404);
  });

  it('is shared, not started twice, by another portal on the same DATA_DIR', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    const second = await start(dataDir);
    expect(second.ehr).toMatchObject({ owner: false, baseUrl: first.ehr.baseUrl });
    await second.ehr.close();
    expect((await fhir(first.ehr, '/metadata')).status).toBe(200);
  });
});

describe('state across restarts', () => {
  it('keeps what was created, and adds no second copy of the fixtures or slots', async () => {
    const dataDir = tempDir();
    const now = new Date();
    const a = await start(dataDir, now);
    const task = await a.gateway.requestRefill(
      { resourceType: 'Task', status: 'requested', intent: 'order' },
      { idempotencyKey: 'kept-1' },
    );
    const counts = async (g: typeof a.gateway) => ({
      patients: (await g.search('Patient', {})).length,
      slots: (await g.search('Slot', ALL)).length,
      observations: (await g.search('Observation', {})).length,
    });
    const before = await counts(a.gateway);
    await a.ehr.close();
    const saved = path.join(dataDir, 'demo-ehr', 'resources.ndjson');
    expect(fs.existsSync(saved)).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'demo-ehr', 'lock'))).toBe(false);

    const b = await start(dataDir, now);
    expect(b.ehr.baseUrl).not.toBe('');
    const again = await b.gateway.read<Task>('Task', task.id as string);
    expect(again).toMatchObject({ id: task.id, meta: { versionId: task.meta?.versionId } });
    expect(await counts(b.gateway)).toEqual(before);
    await b.ehr.close();
  });

  it('tops slots up to 60 days ahead when it starts again later', async () => {
    const dataDir = tempDir();
    const first = new Date('2027-01-04T15:00:00Z');
    const a = await start(dataDir, first);
    const lastBefore = (await a.gateway.freeSlots(ALL))
      .map((s) => s.start)
      .sort()
      .at(-1);
    await a.ehr.close();
    const later = new Date(first.getTime() + 10 * DAY);
    const b = await start(dataDir, later);
    const slots = await b.gateway.freeSlots(ALL);
    checkSlotsInHours(slots);
    const last = slots
      .map((s) => s.start)
      .sort()
      .at(-1) as string;
    expect(Date.parse(last)).toBeGreaterThan(Date.parse(lastBefore as string) + 8 * DAY);
    expect(new Set(slots.map((s) => s.id)).size).toBe(slots.length);
  });

  it('refuses an unreadable saved state with a message saying what to do', async () => {
    const dataDir = tempDir();
    fs.mkdirSync(path.join(dataDir, 'demo-ehr'));
    fs.writeFileSync(
      path.join(dataDir, 'demo-ehr', 'resources.ndjson'),
      '{"resourceType":"Patient"\n',
    );
    await expect(startDemoEhr({ dataDir, log: quiet })).rejects.toThrow(
      /unreadable at line 1; move the file away/,
    );
    expect(fs.existsSync(path.join(dataDir, 'demo-ehr', 'lock'))).toBe(false);
  });
});

describe('time zones', () => {
  it('makes slots at the same local hours on both sides of a DST change', async () => {
    // US clocks go forward on Sunday 14 March 2027.
    const { gateway } = await start(tempDir(), new Date('2027-03-08T15:00:00Z'));
    const slots = await gateway.freeSlots({ ...ALL, schedule: 'Schedule/schedule-riverside-1' });
    checkSlotsInHours(slots);
    const on = (date: string) =>
      slots.filter((s) => wall('America/New_York', s.start).date === date);
    const friday = on('2027-03-12');
    const monday = on('2027-03-15');
    expect(friday.length).toBeGreaterThan(0);
    expect(friday.map((s) => wall('America/New_York', s.start).time)).toEqual(
      monday.map((s) => wall('America/New_York', s.start).time),
    );
    expect(friday[0]?.start).toBe('2027-03-12T13:00:00.000Z');
    expect(monday[0]?.start).toBe('2027-03-15T12:00:00.000Z');
  });

  it('converts wall time to UTC in each clinic zone, either side of DST', () => {
    expect(zonedTimeToUtc('2026-10-30', '08:00', 'America/Chicago').toISOString()).toBe(
      '2026-10-30T13:00:00.000Z',
    );
    expect(zonedTimeToUtc('2026-11-02', '08:00', 'America/Chicago').toISOString()).toBe(
      '2026-11-02T14:00:00.000Z',
    );
    expect(zonedTimeToUtc('2027-03-15', '08:30', 'America/Denver').toISOString()).toBe(
      '2027-03-15T14:30:00.000Z',
    );
  });

  it('gives the same slots as converting every slot time on its own, across both DST changes', () => {
    for (const clinic of demoClinics) {
      for (const minutes of [20, 30]) {
        const fast = slotTimes(
          clinic.hours,
          clinic.timeZone,
          minutes,
          '2026-10-26',
          150,
          new Date(0),
        );
        const slow = fast.map((p) => {
          const date = localDate(clinic.timeZone, p.start.getTime());
          const start = localTime(clinic.timeZone, p.start.getTime());
          const end = localTime(clinic.timeZone, p.end.getTime());
          return {
            start: zonedTimeToUtc(date, start, clinic.timeZone),
            end: zonedTimeToUtc(date, end, clinic.timeZone),
          };
        });
        expect(fast).toEqual(slow);
        expect(fast.length).toBeGreaterThan(100 * 8);
      }
    }
  });

  it('round-trips any minute outside the repeated fall-back hour', () => {
    const zones = demoClinics.map((c) => c.timeZone);
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1) / 60_000, max: Date.UTC(2031, 0, 1) / 60_000 }),
        fc.constantFrom(...zones),
        (minute, zone) => {
          const t = minute * 60_000;
          const time = localTime(zone, t);
          fc.pre(!time.startsWith('01:'));
          expect(zonedTimeToUtc(localDate(zone, t), time, zone).getTime()).toBe(t);
        },
      ),
    );
  });
});

describe('date shifting', () => {
  it('moves the date, keeps the time and offset, and leaves other text alone', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.integer({ min: -40_000, max: 40_000 }),
        fc.constantFrom('', 'T06:33:47+00:00', 'T09:55:07.915-05:00', 'T23:59Z'),
        (date, days, time) => {
          const value = date.toISOString().slice(0, 10) + time;
          const moved = shiftDate(value, days);
          expect(moved.slice(10)).toBe(time);
          expect(Date.parse(moved.slice(0, 10)) - Date.parse(value.slice(0, 10))).toBe(days * DAY);
          expect(shiftDate(moved, -days)).toBe(value);
        },
      ),
    );
    for (const text of ['2760', 'abc', '2021-13', '999-87-5509', '2021-01-31 is a date'])
      expect(shiftDate(text, 7)).toBe(text);
  });
});

describe('linking demo patients', () => {
  it('seeds the portal with the EHR patients, linked by id and MRN, the demo accounts on two of them', {
    timeout: 90_000,
  }, async () => {
    const { gateway } = await start();
    const people = await demoPatientsFromEhr(gateway);
    expect(people).toHaveLength(roster.length);
    for (const p of people) {
      expect(p.ehrPatientId).toEqual(expect.any(String));
      expect(p.email).toBeNull();
    }
    expect(people.filter((p) => p.language === 'es').length).toBeGreaterThanOrEqual(2);

    const database = await testDatabase();
    cleanups.push(() => database.close());
    const { db } = database;
    const seeded = await seedDemo(db, config, people);
    expect(seeded.clinicsAdded).toBe(3);
    const rows = await db.selectFrom('patients').selectAll().execute();
    expect(rows).toHaveLength(roster.length);
    for (const p of people) {
      const row = rows.find((r) => r.ehr_patient_id === p.ehrPatientId);
      expect(row).toMatchObject({
        given_name: p.given,
        family_name: p.family,
        birth_date: p.birthDate,
        email: null,
      });
    }
    const mrns = await db
      .selectFrom('patient_clinics')
      .innerJoin('clinics', 'clinics.id', 'patient_clinics.clinic_id')
      .innerJoin('patients', 'patients.id', 'patient_clinics.patient_id')
      .select(['clinics.slug', 'patient_clinics.mrn', 'patients.ehr_patient_id'])
      .execute();
    expect(mrns).toHaveLength(roster.flatMap((e) => Object.keys(e.mrns)).length);
    for (const m of mrns) {
      const inEhr = await gateway.findPatientByIdentifier(mrnSystem(m.slug), m.mrn);
      expect(inEhr?.id).toBe(m.ehr_patient_id);
    }

    const holder = await gateway.findPatientByIdentifier(
      mrnSystem('riverside'),
      ACCOUNT_HOLDER_MRN,
    );
    const account = await db
      .selectFrom('users')
      .innerJoin('patients', 'patients.id', 'users.patient_id')
      .select(['users.display_name', 'patients.ehr_patient_id'])
      .where('users.email', '=', demoEmail('patient'))
      .executeTakeFirstOrThrow();
    expect(account).toEqual({ display_name: 'Jill Tillman', ehr_patient_id: holder?.id });

    const child = await gateway.findPatientByIdentifier(mrnSystem('riverside'), PROXY_CHILD_MRN);
    const grant = await db
      .selectFrom('proxy_grants as g')
      .innerJoin('users as u', 'u.id', 'g.proxy_user_id')
      .innerJoin('patients as p', 'p.id', 'g.patient_id')
      .select(['u.display_name', 'p.ehr_patient_id', 'g.relationship', 'g.expires_at'])
      .where('u.email', '=', demoEmail('proxy'))
      .executeTakeFirstOrThrow();
    expect(grant).toMatchObject({
      display_name: 'Kit Walsh',
      ehr_patient_id: child?.id,
      relationship: 'parent',
    });
    const eighteen = new Date(`${child?.birthDate}T00:00:00Z`);
    eighteen.setUTCFullYear(eighteen.getUTCFullYear() + 18);
    expect(grant.expires_at.getTime()).toBeLessThanOrEqual(eighteen.getTime());

    expect(await seedDemo(db, config, people)).toEqual({ clinicsAdded: 0, accountsAdded: 0 });
    expect(await db.selectFrom('patients').select('id').execute()).toHaveLength(roster.length);
  });

  it('the portal starts the demo EHR, seeds linked patients from it, and stops it', {
    timeout: 90_000,
  }, async () => {
    const dataDir = tempDir();
    let databaseUrl: string | undefined;
    if (serverUrl) {
      const server = await createServerDatabase();
      cleanups.push(server.drop);
      databaseUrl = server.url;
    }
    const portalConfig = loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      DEMO_DATA: 'true',
      LOG_LEVEL: 'silent',
    });
    const portal = await startPortal(portalConfig, createLogger('silent'));
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await portal.stop();
    });
    expect(new URL(portal.ehrBaseUrl).hostname).toBe('127.0.0.1');
    expect((await fetch(`${portal.ehrBaseUrl}/metadata`)).status).toBe(200);
    const linked = await portal.database.db
      .selectFrom('patients')
      .select('ehr_patient_id')
      .where('ehr_patient_id', 'is not', null)
      .execute();
    expect(linked).toHaveLength(roster.length);

    // What `npm start` promises: the demo patient signs in and sees their
    // synced medications, allergies, conditions and recent labs.
    const patient = new Client(portal.app);
    const signIn = await patient.post('/api/session', {
      email: `patient@${DEMO_DOMAIN}`,
      password: DEMO_PASSWORD,
    });
    expect(signIn.statusCode).toBe(200);
    for (const kind of ['medications', 'allergies', 'conditions', 'labs']) {
      const deadline = Date.now() + 60_000;
      let items: unknown[] = [];
      while (items.length === 0 && Date.now() < deadline) {
        const res = await patient.get(`/api/records/${kind}`);
        expect(res.statusCode, kind).toBe(200);
        items = res.json().items;
        if (items.length === 0) await new Promise((r) => setTimeout(r, 500));
      }
      expect(items.length, kind).toBeGreaterThan(0);
    }
    await portal.stop();
    stopped = true;
    expect(fs.existsSync(path.join(dataDir, 'demo-ehr', 'resources.ndjson'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'demo-ehr', 'lock'))).toBe(false);
    await expect(fetch(`${portal.ehrBaseUrl}/metadata`)).rejects.toThrow();
  });
});
