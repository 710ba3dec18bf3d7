// Finding open times: the window the visit type's rules allow, in the
// clinic's own calendar (a day runs from its local midnight), times of day by
// the clinic's clock, pages, holds, and the refusals a person can act on. The
// window is worked out in SQL; the expected instants here come from the
// portal's own time-zone code, so the two are checked against each other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate, zonedTimeToUtc } from '../src/platform/time/zoned-time.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { createProvider, createSlots, createVisitType, daysFromNow } from './support/scheduling.ts';

const ZONE = 'America/Los_Angeles';
let t: TestApp;
let clinicId: string;
let providerId: string;
const db = () => t.database.db;

/** A patient of `clinic` with a signed-in client. */
async function patientOf(clinic: string) {
  const patient = await createPatient(db(), { clinicId: clinic });
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patient.id,
  });
  return { patientId: patient.id, client: await signedInClient(t, user) };
}

/** One slot from an instant; its id. */
async function slotFrom(from: Date): Promise<number> {
  const [id] = await createSlots(db(), { clinicId, providerId, from, count: 1 });
  return id as number;
}

/** One slot at a local date and time of the clinic. */
const slotAt = (date: string, time: string) => slotFrom(zonedTimeToUtc(date, time, ZONE));

interface Page {
  timeZone: string;
  slots: { id: string; startsAt: string }[];
  page: number;
  hasMore: boolean;
}

async function search(client: Client, params: Record<string, string>, path = 'scheduling') {
  const res = await client.get(`/api/${path}/slots?${new URLSearchParams(params)}`);
  return { status: res.statusCode, body: res.json() as Page & { error?: { code: string } } };
}

const ids = (p: Page) => p.slots.map((s) => Number(s.id));

/** The front desk's search, booking for the patient. */
async function deskSearch(visitTypeId: string, patientId: string) {
  const desk = await createUser(db(), t.config, { roles: [{ role: 'front_desk', clinicId }] });
  const client = await signedInClient(t, desk);
  return search(client, { clinicId, visitTypeId, patientId }, 'staff/scheduling');
}

beforeAll(async () => {
  t = await testApp();
  const clinic = await createClinic(db());
  clinicId = clinic.id;
  await db().updateTable('clinics').set({ time_zone: ZONE }).where('id', '=', clinicId).execute();
  providerId = (await createProvider(db(), clinicId)).id;
});
afterAll(() => t?.close());

describe('dates and times of day', () => {
  // Ten days on, in the clinic's calendar: 23:30 there is 07:30 UTC the next day.
  const day = () => addDays(localDate(ZONE, Date.now()), 10);
  let visitTypeId: string;
  let at: Record<'morning' | 'noon' | 'evening' | 'late' | 'nextEarly', number>;
  let me: Client;

  beforeAll(async () => {
    visitTypeId = (await createVisitType(db(), clinicId, [providerId])).id;
    at = {
      morning: await slotAt(day(), '08:00'),
      noon: await slotAt(day(), '13:00'),
      evening: await slotAt(day(), '18:00'),
      late: await slotAt(day(), '23:30'),
      nextEarly: await slotAt(addDays(day(), 1), '00:30'),
    };
    me = (await patientOf(clinicId)).client;
  });

  it('keeps a day to the clinic’s local midnight, and answers in its zone', async () => {
    const one = await search(me, { clinicId, visitTypeId, from: day(), to: day() });
    expect(one.status).toBe(200);
    expect(one.body.timeZone).toBe(ZONE);
    expect(ids(one.body)).toEqual([at.morning, at.noon, at.evening, at.late]);
    const next = await search(me, {
      clinicId,
      visitTypeId,
      from: addDays(day(), 1),
      to: addDays(day(), 1),
    });
    expect(ids(next.body)).toEqual([at.nextEarly]);
  });

  it('sorts times of day by the clinic’s clock', async () => {
    const two = { clinicId, visitTypeId, from: day(), to: addDays(day(), 1) };
    const of = async (timeOfDay: string) => ids((await search(me, { ...two, timeOfDay })).body);
    expect(await of('morning')).toEqual([at.morning, at.nextEarly]);
    expect(await of('afternoon')).toEqual([at.noon]);
    expect(await of('evening')).toEqual([at.evening, at.late]);
  });

  it('refuses an end date before the start date', async () => {
    const res = await search(me, { clinicId, visitTypeId, from: day(), to: addDays(day(), -1) });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('bad_range');
  });
});

describe('the visit type’s window', () => {
  it('keeps patients inside the lead time and days ahead; the front desk sees past both', async () => {
    const visitTypeId = (
      await createVisitType(db(), clinicId, [providerId], {
        min_lead_minutes: 2 * 24 * 60,
        max_days_ahead: 30,
      })
    ).id;
    const tooSoon = await slotFrom(daysFromNow(1));
    const inside = await slotFrom(daysFromNow(20));
    const tooFar = await slotFrom(daysFromNow(40));
    const me = await patientOf(clinicId);

    const mine = ids((await search(me.client, { clinicId, visitTypeId })).body);
    expect(mine).toContain(inside);
    expect(mine).not.toContain(tooSoon);
    expect(mine).not.toContain(tooFar);

    const staff = await deskSearch(visitTypeId, me.patientId);
    expect(staff.status).toBe(200);
    expect(ids(staff.body)).toEqual(expect.arrayContaining([tooSoon, inside, tooFar]));
  });

  it('offers a visit type that is not booked online to the front desk only', async () => {
    const visitTypeId = (
      await createVisitType(db(), clinicId, [providerId], { booking: 'offline' })
    ).id;
    const me = await patientOf(clinicId);
    const asked = await search(me.client, { clinicId, visitTypeId });
    expect(asked.status).toBe(404);
    expect(asked.body.error?.code).toBe('visit_type_not_offered');
    expect((await deskSearch(visitTypeId, me.patientId)).status).toBe(200);
  });

  it('refuses a clinic where the patient is not registered', async () => {
    const visitTypeId = (await createVisitType(db(), clinicId, [providerId])).id;
    const stranger = await patientOf((await createClinic(db())).id);
    const res = await search(stranger.client, { clinicId, visitTypeId });
    expect(res.status).toBe(404);
    expect(res.body.error?.code).toBe('not_found');
  });
});

describe('pages and holds', () => {
  let visitTypeId: string;
  let slots: number[];

  beforeAll(async () => {
    const own = (await createProvider(db(), clinicId)).id;
    visitTypeId = (await createVisitType(db(), clinicId, [own])).id;
    slots = await createSlots(db(), {
      clinicId,
      providerId: own,
      from: daysFromNow(4),
      count: 25,
    });
  });

  it('pages the first available times, earliest first', async () => {
    const me = (await patientOf(clinicId)).client;
    const first = await search(me, { clinicId, visitTypeId });
    expect(first.body).toMatchObject({ page: 1, hasMore: true });
    expect(ids(first.body)).toEqual(slots.slice(0, 20));
    const second = await search(me, { clinicId, visitTypeId, page: '2' });
    expect(second.body).toMatchObject({ page: 2, hasMore: false });
    expect(ids(second.body)).toEqual(slots.slice(20));
  });

  it('hides a time another patient holds, but not the holder’s own', async () => {
    const holder = await patientOf(clinicId);
    const other = await patientOf(clinicId);
    const slotId = slots[3] as number;
    const held = await holder.client.post('/api/appointments/holds', {
      slotId: String(slotId),
      visitTypeId,
    });
    expect(held.statusCode).toBe(201);
    expect(ids((await search(holder.client, { clinicId, visitTypeId })).body)).toContain(slotId);
    expect(ids((await search(other.client, { clinicId, visitTypeId })).body)).not.toContain(slotId);
  });
});
