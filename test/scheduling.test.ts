// Booking through the API: search, hold, book, cancel, reschedule, with the
// clinic's rules explained and the database's constraints deciding races.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { createProvider, createSlots, createVisitType, daysFromNow } from './support/scheduling.ts';

let t: TestApp;
let clinic: { id: string };
let provider: { id: string };
let visitType: { id: string };
let slots: number[];
const db = () => t.database.db;

async function patientClient() {
  const patient = await createPatient(db(), { clinicId: clinic.id });
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patient.id,
  });
  return { patient, client: await signedInClient(t, user) };
}

beforeAll(async () => {
  t = await testApp();
  clinic = await createClinic(db());
  provider = await createProvider(db(), clinic.id);
  visitType = await createVisitType(db(), clinic.id, [provider.id]);
  slots = await createSlots(db(), {
    clinicId: clinic.id,
    providerId: provider.id,
    from: daysFromNow(3),
    count: 10,
  });
});
afterAll(() => t?.close());

describe('booking', () => {
  let me: { patient: { id: string }; client: Client };
  beforeAll(async () => {
    me = await patientClient();
  });

  it('finds open times, books one, and no longer offers it', async () => {
    const search = await me.client.get(
      `/api/scheduling/slots?clinicId=${clinic.id}&visitTypeId=${visitType.id}`,
    );
    expect(search.statusCode).toBe(200);
    expect(search.json().slots.map((s: { id: string }) => Number(s.id))).toEqual(slots);
    const booked = await me.client.post('/api/appointments', {
      slotId: String(slots[0]),
      visitTypeId: visitType.id,
    });
    expect(booked.statusCode).toBe(201);
    expect(booked.json()).toMatchObject({ status: 'confirming', slotId: String(slots[0]) });
    const again = await me.client.get(
      `/api/scheduling/slots?clinicId=${clinic.id}&visitTypeId=${visitType.id}`,
    );
    expect(again.json().slots.map((s: { id: string }) => Number(s.id))).not.toContain(slots[0]);
    const outbox = await db()
      .selectFrom('ehr_outbox')
      .select(['kind', 'status'])
      .where('patient_id', '=', me.patient.id)
      .execute();
    expect(outbox).toEqual([{ kind: 'appointment.book', status: 'pending' }]);
  });

  it('tells the second patient the time was just taken, with the next open times', async () => {
    const other = await patientClient();
    const res = await other.client.post('/api/appointments', {
      slotId: String(slots[0]),
      visitTypeId: visitType.id,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('slot_taken');
    expect(res.json().error.details.nextTimes.length).toBeGreaterThan(0);
  });

  it('reschedules and cancels', async () => {
    const [first] = (await me.client.get('/api/appointments')).json().appointments;
    const moved = await me.client.post(`/api/appointments/${first.id}/reschedule`, {
      slotId: String(slots[3]),
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ slotId: String(slots[3]), rescheduledFrom: first.id });
    const cancelled = await me.client.post(`/api/appointments/${moved.json().id}/cancel`, {
      reason: 'Feeling better',
    });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().status).toBe('cancelled');
    const ics = await me.client.get(`/api/appointments/${moved.json().id}/calendar.ics`);
    expect(ics.statusCode).toBe(200);
    expect(ics.body).toContain('STATUS:CANCELLED');
  });
});
