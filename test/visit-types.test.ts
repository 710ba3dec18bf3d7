// Clinic admins keep their visit types and booking rules: adding and
// changing them (audited with the rules before and after), refusing what
// the table would not hold with a message naming the field, keeping other
// clinics and other roles out, and a change taking effect on the very next
// search or booking while appointments already made stay as they are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { createProvider, createSlots, daysFromNow } from './support/scheduling.ts';

let t: TestApp;
let clinic: { id: string };
let otherClinic: { id: string };
let providers: { id: string }[];
let foreignProvider: { id: string };
let admin: Client;
let adminId: string;
const db = () => t.database.db;

const URL = '/api/admin/scheduling/visit-types';

let serial = 0;
/** A valid new visit type for the clinic; `change` overrides fields. */
const newVisit = (change: Record<string, unknown> = {}) => ({
  clinicId: clinic.id,
  code: `check-up-${++serial}`,
  nameEn: 'Check-up',
  nameEs: 'Revisión',
  booking: 'online',
  patients: 'all',
  mode: 'in_person',
  minLeadMinutes: 0,
  maxDaysAhead: 60,
  changeCutoffHours: 24,
  maxFutureBookings: 3,
  providerIds: providers.map((p) => p.id),
  ...change,
});

/** The fields a change sends: everything but clinic and code, plus whether it is offered. */
function changeOf(view: Record<string, unknown>, change: Record<string, unknown> = {}) {
  const name = view.name as { en: string; es: string };
  return {
    nameEn: name.en,
    nameEs: name.es,
    booking: view.booking,
    patients: view.patients,
    mode: view.mode,
    minLeadMinutes: view.minLeadMinutes,
    maxDaysAhead: view.maxDaysAhead,
    changeCutoffHours: view.changeCutoffHours,
    maxFutureBookings: view.maxFutureBookings,
    providerIds: view.providerIds,
    active: view.active,
    ...change,
  };
}

async function created(change: Record<string, unknown> = {}) {
  const res = await admin.post(URL, newVisit(change));
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Record<string, unknown> & { id: string };
}

const auditOf = (id: string, action: string) =>
  db()
    .selectFrom('audit_events')
    .selectAll()
    .where('resource_type', '=', 'VisitType')
    .where('resource_id', '=', id)
    .where('action', '=', action as 'create')
    .execute();

beforeAll(async () => {
  t = await testApp();
  clinic = await createClinic(db());
  otherClinic = await createClinic(db());
  providers = [await createProvider(db(), clinic.id), await createProvider(db(), clinic.id)];
  foreignProvider = await createProvider(db(), otherClinic.id);
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'clinic_admin', clinicId: clinic.id }],
  });
  adminId = user.id;
  admin = await signedInClient(t, user);
});
afterAll(() => t?.close());

describe('a clinic admin keeps the visit types', () => {
  it('adds one with its rules and providers, audited with the rules', async () => {
    const v = await created({ booking: 'request', patients: 'new', mode: 'either' });
    expect(v).toMatchObject({
      clinicId: clinic.id,
      name: { en: 'Check-up', es: 'Revisión' },
      booking: 'request',
      patients: 'new',
      mode: 'either',
      minLeadMinutes: 0,
      maxDaysAhead: 60,
      changeCutoffHours: 24,
      maxFutureBookings: 3,
      active: true,
      hasQuestionnaire: false,
    });
    expect((v.providerIds as string[]).sort()).toEqual(providers.map((p) => p.id).sort());
    const [event] = await auditOf(v.id, 'create');
    expect(event).toMatchObject({ actor_user_id: adminId, clinic_id: clinic.id, patient_id: null });
    expect(event?.details).toMatchObject({
      code: v.code,
      before: null,
      after: { booking: 'request', patients: 'new', maxDaysAhead: 60 },
    });
  });

  it('lists every visit type of the clinic, inactive ones too, with the providers', async () => {
    const v = await created();
    const off = await admin.put(`${URL}/${v.id}`, changeOf(v, { active: false }));
    expect(off.statusCode, off.body).toBe(200);
    const res = await admin.get(`${URL}?clinicId=${clinic.id}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.clinic.id).toBe(clinic.id);
    expect(body.visitTypes.find((x: { id: string }) => x.id === v.id)).toMatchObject({
      active: false,
    });
    expect(body.providers.map((p: { id: string }) => p.id).sort()).toEqual(
      providers.map((p) => p.id).sort(),
    );
  });

  it('changes rules and providers, audited with the values before and after', async () => {
    const v = await created();
    const [keep] = providers as [{ id: string }];
    const res = await admin.put(
      `${URL}/${v.id}`,
      changeOf(v, { changeCutoffHours: 48, nameEn: '  Yearly check-up ', providerIds: [keep.id] }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      changeCutoffHours: 48,
      name: { en: 'Yearly check-up' },
      providerIds: [keep.id],
    });
    const [event] = await auditOf(v.id, 'update');
    const details = event?.details as { before: { providerIds: string[] } };
    expect(details).toMatchObject({
      code: v.code,
      before: { changeCutoffHours: 24, nameEn: 'Check-up', active: true },
      after: { changeCutoffHours: 48, nameEn: 'Yearly check-up', providerIds: [keep.id] },
    });
    expect(details.before.providerIds).toEqual(providers.map((p) => p.id).sort());
  });
});

describe('what the rules may be', () => {
  const fieldsOf = (body: { error: { details: { field: string }[] } }) =>
    body.error.details.map((d) => d.field).sort();

  it('refuses numbers outside what the clinic table holds, naming each field', async () => {
    const res = await admin.post(
      URL,
      newVisit({
        minLeadMinutes: -1,
        maxDaysAhead: 366,
        changeCutoffHours: 337,
        maxFutureBookings: 0,
      }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(fieldsOf(res.json())).toEqual([
      'changeCutoffHours',
      'maxDaysAhead',
      'maxFutureBookings',
      'minLeadMinutes',
    ]);
    expect(res.json().error.details).toContainEqual({
      field: 'maxDaysAhead',
      message: 'must be at most 365',
    });
  });

  it('refuses a booking window that closes before the lead time ends', async () => {
    const res = await admin.post(URL, newVisit({ minLeadMinutes: 2 * 1440, maxDaysAhead: 2 }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      {
        field: 'maxDaysAhead',
        message: 'must reach beyond the lead time (2880 minutes), or no time can ever be booked',
      },
    ]);
    expect(
      (await admin.post(URL, newVisit({ minLeadMinutes: 2879, maxDaysAhead: 2 }))).statusCode,
    ).toBe(201);
  });

  it("refuses another clinic's provider, blank names, bad codes and bad choices", async () => {
    const foreign = await admin.post(URL, newVisit({ providerIds: [foreignProvider.id] }));
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error.details).toEqual([
      { field: 'providerIds', message: 'must all be providers of this clinic' },
    ]);
    const blank = await admin.post(URL, newVisit({ nameEs: '   ' }));
    expect(blank.json().error.details).toEqual([{ field: 'nameEs', message: 'must not be blank' }]);
    const code = await admin.post(URL, newVisit({ code: 'Office Visit' }));
    expect(fieldsOf(code.json())).toEqual(['code']);
    const booking = await admin.post(URL, newVisit({ booking: 'sometimes' }));
    expect(fieldsOf(booking.json())).toEqual(['booking']);
    const twice = await admin.post(
      URL,
      newVisit({ providerIds: [providers[0]?.id, providers[0]?.id] }),
    );
    expect(twice.statusCode).toBe(400);
  });

  it('refuses a code the clinic already uses with 409, and nothing is added', async () => {
    const v = await created();
    const again = await admin.post(URL, newVisit({ code: v.code }));
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({
      code: 'duplicate_code',
      details: [{ field: 'code', message: 'is already used at this clinic' }],
    });
    const rows = await db()
      .selectFrom('visit_types')
      .select('id')
      .where('clinic_id', '=', clinic.id)
      .where('code', '=', v.code as string)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('refuses fields it does not take (mass assignment), changing nothing', async () => {
    const v = await created();
    const sneaky = await admin.put(
      `${URL}/${v.id}`,
      changeOf(v, { clinicId: otherClinic.id, code: 'renamed', questionnaire: {} }),
    );
    expect(sneaky.statusCode).toBe(400);
    expect(fieldsOf(sneaky.json())).toEqual(['clinicId', 'code', 'questionnaire']);
    const extra = await admin.post(URL, { ...newVisit(), active: false, id: v.id });
    expect(fieldsOf(extra.json())).toEqual(['active', 'id']);
    const row = await db()
      .selectFrom('visit_types')
      .select(['clinic_id', 'code'])
      .where('id', '=', v.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ clinic_id: clinic.id, code: v.code });
  });
});

describe('who may keep them', () => {
  it("answers another clinic's admin as if the visit type did not exist, and audits it", async () => {
    const v = await created();
    const stranger = await createUser(db(), t.config, {
      roles: [{ role: 'clinic_admin', clinicId: otherClinic.id }],
    });
    const them = await signedInClient(t, stranger);
    const change = await them.put(`${URL}/${v.id}`, changeOf(v, { maxFutureBookings: 50 }));
    expect(change.statusCode).toBe(404);
    expect((await them.get(`${URL}?clinicId=${clinic.id}`)).statusCode).toBe(404);
    expect((await them.post(URL, newVisit())).statusCode).toBe(404);
    const refusals = await db()
      .selectFrom('audit_events')
      .select(['resource_id', 'clinic_id', 'outcome', 'details'])
      .where('actor_user_id', '=', stranger.id)
      .where('action', '=', 'access_denied')
      .orderBy('id')
      .execute();
    expect(refusals).toEqual([
      {
        resource_id: v.id,
        clinic_id: clinic.id,
        outcome: 'failure',
        details: { attempted: 'update' },
      },
      {
        resource_id: null,
        clinic_id: clinic.id,
        outcome: 'failure',
        details: { attempted: 'query' },
      },
      {
        resource_id: null,
        clinic_id: clinic.id,
        outcome: 'failure',
        details: { attempted: 'create' },
      },
    ]);
    const row = await db()
      .selectFrom('visit_types')
      .select('max_future_bookings')
      .where('id', '=', v.id)
      .executeTakeFirstOrThrow();
    expect(row.max_future_bookings).toBe(3);
  });

  it('lets a group-wide system admin keep any clinic', async () => {
    const system = await signedInClient(
      t,
      await createUser(db(), t.config, { roles: [{ role: 'system_admin', clinicId: null }] }),
    );
    expect((await system.get(`${URL}?clinicId=${otherClinic.id}`)).statusCode).toBe(200);
    const res = await system.post(URL, newVisit({ clinicId: otherClinic.id, providerIds: [] }));
    expect(res.statusCode, res.body).toBe(201);
    const missing = await system.get(`${URL}?clinicId=00000000-0000-4000-8000-000000000000`);
    expect(missing.statusCode).toBe(404);
  });

  it('refuses patients and front desk staff', async () => {
    const patient = await createPatient(db(), { clinicId: clinic.id });
    const people = [
      await createUser(db(), t.config, {
        roles: [{ role: 'patient', clinicId: null }],
        patientId: patient.id,
      }),
      await createUser(db(), t.config, { roles: [{ role: 'front_desk', clinicId: clinic.id }] }),
    ];
    const v = await created();
    for (const person of people) {
      const client = await signedInClient(t, person);
      expect((await client.get(`${URL}?clinicId=${clinic.id}`)).statusCode).toBe(403);
      expect((await client.post(URL, newVisit())).statusCode).toBe(403);
      expect((await client.put(`${URL}/${v.id}`, changeOf(v))).statusCode).toBe(403);
    }
  });
});

describe('a change takes effect at once', () => {
  let patient: { id: string };
  let me: Client;
  beforeAll(async () => {
    patient = await createPatient(db(), { clinicId: clinic.id });
    me = await signedInClient(
      t,
      await createUser(db(), t.config, {
        roles: [{ role: 'patient', clinicId: null }],
        patientId: patient.id,
      }),
    );
  });

  const slotsFor = async (count: number) =>
    createSlots(db(), {
      clinicId: clinic.id,
      providerId: (providers[0] as { id: string }).id,
      from: daysFromNow(5 + serial),
      count,
    });
  const search = (visitTypeId: string) =>
    me.get(`/api/scheduling/slots?clinicId=${clinic.id}&visitTypeId=${visitTypeId}`);
  const book = (visitTypeId: string, slotId: number) =>
    me.post('/api/appointments', { slotId: String(slotId), visitTypeId });

  it('switching to "call the clinic" stops the next search; the booking made stays', async () => {
    const v = await created();
    const [first] = await slotsFor(2);
    expect((await search(v.id)).statusCode).toBe(200);
    const booked = await book(v.id, first as number);
    expect(booked.statusCode, booked.body).toBe(201);
    const off = await admin.put(`${URL}/${v.id}`, changeOf(v, { booking: 'offline' }));
    expect(off.statusCode).toBe(200);
    const refused = await search(v.id);
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error.code).toBe('visit_type_not_offered');
    const mine = await me.get(`/api/appointments/${booked.json().id}`);
    expect(mine.json()).toMatchObject({ status: 'confirming', visitTypeId: v.id });
  });

  it('lowering the most upcoming bookings refuses the next booking, keeping those made', async () => {
    const v = await created({ maxFutureBookings: 3 });
    const slots = await slotsFor(4);
    const [a, b, c] = slots as [number, number, number];
    expect((await book(v.id, a)).statusCode).toBe(201);
    expect((await book(v.id, b)).statusCode).toBe(201);
    const lowered = await admin.put(`${URL}/${v.id}`, changeOf(v, { maxFutureBookings: 1 }));
    expect(lowered.statusCode).toBe(200);
    const refused = await book(v.id, c);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('too_many_bookings');
    const upcoming = (await me.get('/api/appointments')).json().appointments;
    expect(upcoming.filter((x: { visitTypeId: string }) => x.visitTypeId === v.id)).toHaveLength(2);
  });

  it('a provider taken off the visit type no longer offers it', async () => {
    const v = await created();
    const slots = await slotsFor(1);
    expect((await search(v.id)).json().slots.map((s: { id: string }) => Number(s.id))).toEqual(
      expect.arrayContaining(slots),
    );
    await admin.put(`${URL}/${v.id}`, changeOf(v, { providerIds: [providers[1]?.id] }));
    expect((await search(v.id)).json().slots).toEqual([]);
  });
});
