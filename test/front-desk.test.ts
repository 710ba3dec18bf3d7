// The front desk through the API: a clinic's day (local day boundaries across
// DST changes), the requests queue with approve and decline, booking, moving
// and cancelling for a patient (staff are not bound by the online rules, but
// a taken slot is taken), marking arrived, no-show and completed, and the
// scope: another clinic's staff get 404 and an audited refusal, patients 403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppointmentStatus } from '../src/modules/scheduling/tables.ts';
import { localDate } from '../src/platform/time/zoned-time.ts';
import { type TestApp, testApp } from './support/app.ts';
import { auditSince, lastAuditId } from './support/audit.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { apiRoutes, bodySchema, fillPath, sample } from './support/routes.ts';
import { createProvider, createSlots, createVisitType, daysFromNow } from './support/scheduling.ts';

let t: TestApp;
const db = () => t.database.db;
let clinic: { id: string };
let provider: { id: string };
let visitType: { id: string };
let desk: { id: string; client: Client };
let stranger: { id: string; client: Client };

beforeAll(async () => {
  t = await testApp();
  clinic = await createClinic(db());
  await db()
    .updateTable('clinics')
    .set({ time_zone: 'America/New_York' })
    .where('id', '=', clinic.id)
    .execute();
  provider = await createProvider(db(), clinic.id, 'Dr. Rowan Ashby');
  visitType = await createVisitType(db(), clinic.id, [provider.id], {
    name_en: 'Knee check',
    name_es: 'Revisión de rodilla',
  });
  const deskUser = await createUser(db(), t.config, {
    roles: [{ role: 'front_desk', clinicId: clinic.id }],
  });
  desk = { id: deskUser.id, client: await signedInClient(t, deskUser) };
  const elsewhere = await createClinic(db());
  const strangerUser = await createUser(db(), t.config, {
    roles: [{ role: 'front_desk', clinicId: elsewhere.id }],
  });
  stranger = { id: strangerUser.id, client: await signedInClient(t, strangerUser) };
});
afterAll(() => t?.close());

let emails = 0;
async function newPatient(clinicId = clinic.id) {
  emails++;
  return createPatient(db(), {
    clinicId,
    givenName: 'Marisol',
    familyName: `Quintero-${emails}`,
    birthDate: '1979-02-03',
    email: `patient-${emails}-${Date.now()}@example.org`,
  });
}

async function patientClient(patientId: string) {
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId,
  });
  return signedInClient(t, user);
}

/** An appointment written straight into the database (with its own slot), at any time, past or future. */
async function appointmentAt(
  startsAt: Date,
  options: { status?: AppointmentStatus; patientId?: string; minutes?: number } = {},
) {
  const patientId = options.patientId ?? (await newPatient()).id;
  const [slotId] = await createSlots(db(), {
    clinicId: clinic.id,
    providerId: provider.id,
    from: startsAt,
    count: 1,
    minutes: options.minutes ?? 30,
  });
  const status = options.status ?? 'booked';
  const released = status === 'cancelled' || status === 'declined';
  return db()
    .insertInto('appointments')
    .values({
      clinic_id: clinic.id,
      patient_id: patientId,
      provider_id: provider.id,
      visit_type_id: visitType.id,
      slot_id: slotId as number,
      starts_at: startsAt,
      ends_at: new Date(startsAt.getTime() + (options.minutes ?? 30) * 60_000),
      mode: 'in_person',
      status,
      cancelled_at: released ? new Date() : null,
      cancel_reason: released ? 'test' : null,
    })
    .returning(['id', 'patient_id'])
    .executeTakeFirstOrThrow();
}

const dayOf = async (client: Client, date: string, extra = '') =>
  client.get(`/api/staff/scheduling/day?clinicId=${clinic.id}&date=${date}${extra}`);

const idsOn = async (date: string) =>
  (await dayOf(desk.client, date)).json().appointments.map((a: { id: string }) => a.id);

const statusOf = async (id: string) =>
  (
    await db()
      .selectFrom('appointments')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  ).status;

describe('the day view', () => {
  it("lists the clinic's day with the patient, visit, provider, status, check-in and open times, audited", async () => {
    const slots = await createSlots(db(), {
      clinicId: clinic.id,
      providerId: provider.id,
      from: daysFromNow(6),
      count: 4,
    });
    const patient = await newPatient();
    const booked = await desk.client.post('/api/staff/appointments', {
      patientId: patient.id,
      slotId: String(slots[1]),
      visitTypeId: visitType.id,
    });
    expect(booked.statusCode).toBe(201);
    await db()
      .insertInto('appointment_checkins')
      .values({ appointment_id: booked.json().id, changes: JSON.stringify({}) })
      .execute();
    const date = localDate('America/New_York', daysFromNow(6).getTime());

    const since = await lastAuditId(db());
    const res = await dayOf(desk.client, date);
    expect(res.statusCode).toBe(200);
    const day = res.json();
    expect(day.clinic.timeZone).toBe('America/New_York');
    expect(day.date).toBe(date);
    expect(day.providers).toContainEqual({
      id: provider.id,
      name: 'Dr. Rowan Ashby',
      freeSlots: expect.any(Number),
    });
    const mine = day.appointments.find((a: { id: string }) => a.id === booked.json().id);
    expect(mine).toMatchObject({
      status: 'confirming',
      patient: { id: patient.id, name: { family: patient.family_name }, birthDate: '1979-02-03' },
      visitTypeName: { en: 'Knee check', es: 'Revisión de rodilla' },
      providerName: 'Dr. Rowan Ashby',
      checkIn: { reviewed: false },
      bookedByStaff: true,
      staffCanChange: true,
      outcomes: [],
    });
    // The booked slot is no longer among the provider's open times that day.
    const free = await dayOf(desk.client, date);
    const before = free.json().providers.find((p: { id: string }) => p.id === provider.id);
    await desk.client.post(`/api/staff/appointments/${booked.json().id}/cancel`, {
      reason: 'Moved to a colleague',
    });
    const after = (await dayOf(desk.client, date))
      .json()
      .providers.find((p: { id: string }) => p.id === provider.id);
    expect(after.freeSlots).toBe(before.freeSlots + 1);

    const rows = await auditSince(db(), since, desk.id);
    expect(rows[0]).toMatchObject({
      action: 'query',
      resource_type: 'Appointment',
      patient_id: null,
      details: { view: 'day', date, count: day.appointments.length },
    });
    expect(rows).toContainEqual(
      expect.objectContaining({
        action: 'query',
        resource_id: booked.json().id,
        patient_id: patient.id,
      }),
    );
  });

  it('keeps to the local day across the autumn change (a 25-hour day)', async () => {
    // 1 November 2026: New York falls back from EDT to EST.
    const early = await appointmentAt(new Date('2026-11-01T04:30:00Z')); // 00:30 EDT
    const late = await appointmentAt(new Date('2026-11-02T04:30:00Z')); // 23:30 EST, same day
    const next = await appointmentAt(new Date('2026-11-02T05:30:00Z')); // 00:30 EST on the 2nd
    const first = await idsOn('2026-11-01');
    expect(first).toEqual(expect.arrayContaining([early.id, late.id]));
    expect(first).not.toContain(next.id);
    expect(await idsOn('2026-11-02')).toContain(next.id);
    expect(await idsOn('2026-10-31')).not.toContain(early.id);
  });

  it('keeps to the local day across the spring change (a 23-hour day)', async () => {
    // 8 March 2026: New York springs forward from EST to EDT.
    const early = await appointmentAt(new Date('2026-03-08T05:30:00Z')); // 00:30 EST
    const late = await appointmentAt(new Date('2026-03-09T03:30:00Z')); // 23:30 EDT, same day
    const next = await appointmentAt(new Date('2026-03-09T04:30:00Z')); // 00:30 EDT on the 9th
    const first = await idsOn('2026-03-08');
    expect(first).toEqual(expect.arrayContaining([early.id, late.id]));
    expect(first).not.toContain(next.id);
    expect(await idsOn('2026-03-09')).toContain(next.id);
  });

  it('shows every status, filters by provider, and refuses a date that does not exist', async () => {
    const cancelled = await appointmentAt(new Date('2026-11-03T15:00:00Z'), {
      status: 'cancelled',
    });
    const ids = await idsOn('2026-11-03');
    expect(ids).toContain(cancelled.id);
    const other = await createProvider(db(), clinic.id);
    const filtered = await dayOf(desk.client, '2026-11-03', `&providerId=${other.id}`);
    expect(filtered.json().appointments).toEqual([]);
    const bad = await dayOf(desk.client, '2026-02-30');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'date' }],
    });
  });
});

describe('the requests queue', () => {
  let requestType: { id: string };
  let slots: number[];
  beforeAll(async () => {
    requestType = await createVisitType(db(), clinic.id, [provider.id], { booking: 'request' });
    slots = await createSlots(db(), {
      clinicId: clinic.id,
      providerId: provider.id,
      from: daysFromNow(9),
      count: 4,
    });
  });

  async function request(slot: number) {
    const patient = await newPatient();
    const client = await patientClient(patient.id);
    const res = await client.post('/api/appointments', {
      slotId: String(slot),
      visitTypeId: requestType.id,
    });
    expect(res.json().status).toBe('requested');
    return { id: res.json().id as string, patient, client };
  }

  it('lists requests oldest first; approving sends the booking to the EHR', async () => {
    const first = await request(slots[0] as number);
    const second = await request(slots[1] as number);
    const queue = await desk.client.get(`/api/staff/scheduling/requests?clinicId=${clinic.id}`);
    expect(queue.statusCode).toBe(200);
    const ids = queue.json().appointments.map((a: { id: string }) => a.id);
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
    expect(queue.json().total).toBeGreaterThanOrEqual(2);

    const approved = await desk.client.post(`/api/staff/appointments/${first.id}/approve`);
    expect(approved.statusCode).toBe(200);
    expect(approved.json().status).toBe('confirming');
    const outbox = await db()
      .selectFrom('ehr_outbox')
      .select(['kind', 'status', 'payload', 'patient_id'])
      .where('idempotency_key', '=', `appointment-book:${first.id}`)
      .executeTakeFirstOrThrow();
    expect(outbox).toMatchObject({
      kind: 'appointment.book',
      status: 'pending',
      patient_id: first.patient.id,
    });
    expect(outbox.payload).toMatchObject({ appointmentId: first.id });

    const again = await desk.client.post(`/api/staff/appointments/${first.id}/approve`);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('not_requested');
    const after = await desk.client.get(`/api/staff/scheduling/requests?clinicId=${clinic.id}`);
    expect(after.json().appointments.map((a: { id: string }) => a.id)).not.toContain(first.id);
  });

  it('declining tells the patient by e-mail without clinical detail and frees the time', async () => {
    const asked = await request(slots[2] as number);
    const reason = 'Dr. Rowan Ashby is away for knee surgery training';
    const res = await desk.client.post(`/api/staff/appointments/${asked.id}/decline`, { reason });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'declined', cancelReason: reason });
    const [mail] = await db()
      .selectFrom('mail_outbox')
      .select(['subject', 'body'])
      .where('to_address', '=', await patientEmail(asked.patient.id))
      .orderBy('created_at', 'desc')
      .execute();
    expect(mail?.subject).toBe('Your appointment request was not accepted');
    for (const phi of [reason, 'Knee', 'Ashby', asked.patient.family_name, 'Office visit'])
      expect(mail?.body).not.toContain(phi);
    const search = await asked.client.get(
      `/api/scheduling/slots?clinicId=${clinic.id}&visitTypeId=${requestType.id}`,
    );
    expect(search.json().slots.map((s: { id: string }) => Number(s.id))).toContain(slots[2]);
    // A booked appointment is cancelled, not declined.
    const booked = await appointmentAt(daysFromNow(12));
    const refused = await desk.client.post(`/api/staff/appointments/${booked.id}/decline`, {
      reason: 'no',
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('not_requested');
  });

  it('declines a request whose time has passed, but will not approve it', async () => {
    const stale = await appointmentAt(new Date(Date.now() - 2 * 3_600_000), {
      status: 'requested',
    });
    const approve = await desk.client.post(`/api/staff/appointments/${stale.id}/approve`);
    expect(approve.statusCode).toBe(409);
    expect(approve.json().error.code).toBe('past');
    const decline = await desk.client.post(`/api/staff/appointments/${stale.id}/decline`, {
      reason: 'The time has passed',
    });
    expect(decline.statusCode).toBe(200);
    expect(decline.json().status).toBe('declined');
  });
});

/** Where the patient's mail goes: their account's address (they have one here). */
async function patientEmail(patientId: string) {
  return (
    await db()
      .selectFrom('users')
      .select('email')
      .where('patient_id', '=', patientId)
      .executeTakeFirstOrThrow()
  ).email;
}

describe('booking, moving and cancelling for a patient', () => {
  let soonType: { id: string };
  let slots: number[];
  beforeAll(async () => {
    // Online, a day's notice and changes until a day before: staff are not bound by either.
    soonType = await createVisitType(db(), clinic.id, [provider.id], {
      min_lead_minutes: 1440,
      change_cutoff_hours: 24,
    });
    slots = await createSlots(db(), {
      clinicId: clinic.id,
      providerId: provider.id,
      from: new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 2 * 3_600_000),
      count: 4,
    });
  });

  it('books inside the lead time, but never a taken time', async () => {
    const patient = await newPatient();
    const own = await (await patientClient(patient.id)).post('/api/appointments', {
      slotId: String(slots[0]),
      visitTypeId: soonType.id,
    });
    expect(own.statusCode).toBe(409);
    expect(own.json().error.code).toBe('too_soon');

    const query = `clinicId=${clinic.id}&visitTypeId=${soonType.id}&patientId=${patient.id}`;
    const search = await desk.client.get(`/api/staff/scheduling/slots?${query}`);
    expect(search.statusCode).toBe(200);
    expect(search.json().slots.map((s: { id: string }) => Number(s.id))).toContain(slots[0]);

    const since = await lastAuditId(db());
    const booked = await desk.client.post('/api/staff/appointments', {
      patientId: patient.id,
      slotId: String(slots[0]),
      visitTypeId: soonType.id,
    });
    expect(booked.statusCode).toBe(201);
    expect(booked.json()).toMatchObject({ status: 'confirming', bookedByStaff: true });
    expect(await auditSince(db(), since, desk.id)).toContainEqual(
      expect.objectContaining({
        action: 'create',
        resource_id: booked.json().id,
        patient_id: patient.id,
        details: expect.objectContaining({ byStaff: true }),
      }),
    );

    const other = await newPatient();
    const taken = await desk.client.post('/api/staff/appointments', {
      patientId: other.id,
      slotId: String(slots[0]),
      visitTypeId: soonType.id,
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('slot_taken');
    expect(taken.json().error.details.nextTimes.length).toBeGreaterThan(0);
  });

  it('moves and cancels inside the patient cut-off', async () => {
    const patient = await newPatient();
    const booked = await desk.client.post('/api/staff/appointments', {
      patientId: patient.id,
      slotId: String(slots[1]),
      visitTypeId: soonType.id,
    });
    const client = await patientClient(patient.id);
    const late = await client.post(`/api/appointments/${booked.json().id}/cancel`, {
      reason: 'Cannot come',
    });
    expect(late.json().error.code).toBe('too_late');

    const moved = await desk.client.post(`/api/staff/appointments/${booked.json().id}/reschedule`, {
      slotId: String(slots[2]),
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({
      slotId: String(slots[2]),
      rescheduledFrom: booked.json().id,
      patient: { id: patient.id },
    });
    const list = await desk.client.get(`/api/staff/scheduling/patients/${patient.id}/appointments`);
    expect(list.json().appointments.map((a: { id: string }) => a.id)).toContain(moved.json().id);

    const since = await lastAuditId(db());
    const cancelled = await desk.client.post(`/api/staff/appointments/${moved.json().id}/cancel`, {
      reason: 'Patient called',
    });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().status).toBe('cancelled');
    expect(await auditSince(db(), since, desk.id)).toContainEqual(
      expect.objectContaining({
        action: 'update',
        resource_id: moved.json().id,
        patient_id: patient.id,
        details: expect.objectContaining({ status: 'cancelled', byStaff: true }),
      }),
    );
  });

  it('books only for a patient of the clinic', async () => {
    const elsewhere = await createClinic(db());
    const outsider = await newPatient(elsewhere.id);
    const res = await desk.client.post('/api/staff/appointments', {
      patientId: outsider.id,
      slotId: String(slots[3]),
      visitTypeId: soonType.id,
    });
    expect(res.statusCode).toBe(404);
  });
});

/** A zone where it is daytime now, so "today" cannot end during the test. */
function daytimeZone(): string {
  const zones = ['America/New_York', 'Europe/London', 'Asia/Tokyo', 'Pacific/Honolulu'];
  const hour = (zone: string) =>
    Number(
      new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' })
        .formatToParts(new Date())
        .find((p) => p.type === 'hour')?.value,
    );
  return zones.find((z) => hour(z) >= 6 && hour(z) < 18) ?? 'Asia/Tokyo';
}

describe('arrived, no-show and completed', () => {
  beforeAll(async () => {
    await db()
      .updateTable('clinics')
      .set({ time_zone: daytimeZone() })
      .where('id', '=', clinic.id)
      .execute();
  });
  afterAll(async () => {
    await db()
      .updateTable('clinics')
      .set({ time_zone: 'America/New_York' })
      .where('id', '=', clinic.id)
      .execute();
  });

  const mark = (id: string, status: string) =>
    desk.client.post(`/api/staff/appointments/${id}/status`, { status });

  async function refused(id: string, status: string, code: string) {
    const res = await mark(id, status);
    expect(res.statusCode, `${status}: ${res.body}`).toBe(409);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message.length).toBeGreaterThan(10);
  }

  it('marks arrived on the day, then completed; no-show only after the start', async () => {
    const now = Date.now();
    const started = await appointmentAt(new Date(now - 10 * 60_000));
    await refused(started.id, 'completed', 'not_arrived');
    const arrived = await mark(started.id, 'arrived');
    expect(arrived.statusCode).toBe(200);
    expect(arrived.json()).toMatchObject({ status: 'arrived', outcomes: ['completed'] });
    expect(arrived.json().arrivedAt).not.toBeNull();
    await refused(started.id, 'no_show', 'has_arrived');
    await refused(started.id, 'arrived', 'already');
    expect((await mark(started.id, 'completed')).json().status).toBe('completed');

    const missed = await appointmentAt(new Date(now - 40 * 60_000));
    expect((await mark(missed.id, 'no_show')).json().status).toBe('no_show');
    // They came late after all.
    expect((await mark(missed.id, 'arrived')).json().status).toBe('arrived');
  });

  it('refuses marks that do not fit, with a clear 409', async () => {
    const tomorrow = await appointmentAt(new Date(Date.now() + 26 * 3_600_000));
    await refused(tomorrow.id, 'arrived', 'not_today');
    await refused(tomorrow.id, 'no_show', 'not_started');
    const cancelled = await appointmentAt(new Date(Date.now() - 5 * 60_000), {
      status: 'cancelled',
    });
    await refused(cancelled.id, 'arrived', 'closed');
    const asked = await appointmentAt(new Date(Date.now() - 60 * 60_000), { status: 'requested' });
    await refused(asked.id, 'arrived', 'not_approved');
    expect(await statusOf(tomorrow.id)).toBe('booked');
  });
});

describe('scope', () => {
  it("another clinic's staff get 404 and an audited refusal", async () => {
    const booked = await appointmentAt(daysFromNow(14));
    const calls: [string, () => Promise<{ statusCode: number }>][] = [
      ['day', () => dayOf(stranger.client, '2026-11-03')],
      [
        'requests',
        () => stranger.client.get(`/api/staff/scheduling/requests?clinicId=${clinic.id}`),
      ],
      ['approve', () => stranger.client.post(`/api/staff/appointments/${booked.id}/approve`)],
      [
        'status',
        () =>
          stranger.client.post(`/api/staff/appointments/${booked.id}/status`, {
            status: 'no_show',
          }),
      ],
      [
        'cancel',
        () => stranger.client.post(`/api/staff/appointments/${booked.id}/cancel`, { reason: 'x' }),
      ],
      [
        'list',
        () =>
          stranger.client.get(`/api/staff/scheduling/patients/${booked.patient_id}/appointments`),
      ],
      [
        'slots',
        () =>
          stranger.client.get(
            `/api/staff/scheduling/slots?clinicId=${clinic.id}&visitTypeId=${visitType.id}&patientId=${booked.patient_id}`,
          ),
      ],
    ];
    for (const [name, call] of calls) {
      const since = await lastAuditId(db());
      const res = await call();
      expect(res.statusCode, name).toBe(404);
      expect(await auditSince(db(), since, stranger.id), name).toContainEqual(
        expect.objectContaining({ action: 'access_denied', outcome: 'failure' }),
      );
    }
    expect(await statusOf(booked.id)).toBe('booked');
    const options = await stranger.client.get('/api/staff/scheduling/options');
    expect(
      options.json().clinics.map((c: { clinic: { id: string } }) => c.clinic.id),
    ).not.toContain(clinic.id);
  });

  it('a patient calling any front desk route gets 403', async () => {
    const client = await patientClient((await newPatient()).id);
    const routes = apiRoutes(t.app).filter(
      (r) =>
        r.url.startsWith('/api/staff/scheduling/') || r.url.startsWith('/api/staff/appointments'),
    );
    expect(routes.length).toBeGreaterThanOrEqual(10);
    for (const route of routes) {
      const schema = bodySchema(t.app, route);
      const res = await client.request({
        method: route.method as 'GET',
        url: fillPath(route.url, {}),
        ...(schema ? { payload: sample(schema) as Record<string, unknown> } : {}),
      });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(403);
    }
  });
});
