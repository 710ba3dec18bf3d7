// Reminders at the right instant: a 09:00 appointment in New York on the
// day after each change of clocks shows as 09:00 there, and its reminders go
// out exactly 72 and 24 real hours before, once each. Also: only the nearest
// due reminder is sent, and none that had passed before the booking.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { whenText } from '../src/modules/scheduling/notices.ts';
import { sendDueReminders } from '../src/modules/scheduling/reminders.ts';
import { zonedTimeToUtc } from '../src/platform/time/zoned-time.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { createProvider, createSlots, createVisitType } from './support/scheduling.ts';

const ZONE = 'America/New_York';
const HOUR = 3_600_000;

let t: TestApp;
let clinicId: string;
let patientId: string;
let email: string;
let client: Client;
let provider: { id: string };
let visitType: { id: string };
const db = () => t.database.db;

beforeAll(async () => {
  t = await testApp();
  const clinic = await createClinic(db());
  clinicId = clinic.id;
  await db().updateTable('clinics').set({ time_zone: ZONE }).where('id', '=', clinicId).execute();
  const patient = await createPatient(db(), { clinicId });
  patientId = patient.id;
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId,
  });
  email = user.email;
  client = await signedInClient(t, user);
  provider = await createProvider(db(), clinicId);
  visitType = await createVisitType(db(), clinicId, [provider.id]);
});
afterAll(() => t?.close());

/** A booked appointment at `startsAt`, booked at `bookedAt`, straight into the database. */
async function appointment(startsAt: Date, bookedAt = new Date()): Promise<string> {
  const [slotId] = await createSlots(db(), {
    clinicId,
    providerId: provider.id,
    from: startsAt,
    count: 1,
  });
  const row = await db()
    .insertInto('appointments')
    .values({
      clinic_id: clinicId,
      patient_id: patientId,
      provider_id: provider.id,
      visit_type_id: visitType.id,
      slot_id: slotId as number,
      starts_at: startsAt,
      ends_at: new Date(startsAt.getTime() + HOUR / 2),
      mode: 'in_person',
      status: 'booked',
      created_at: bookedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const remind = (now: Date, hours = [72, 24]) =>
  sendDueReminders(db(), { hours, publicUrl: t.config.publicUrl, now });

const sentFor = async (id: string) =>
  (
    await db()
      .selectFrom('appointment_reminders')
      .select('hours_before')
      .where('appointment_id', '=', id)
      .orderBy('hours_before', 'desc')
      .execute()
  ).map((r) => r.hours_before);

const wallClock = (iso: string) =>
  new Intl.DateTimeFormat('en-US', {
    timeZone: ZONE,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).format(new Date(iso));

describe('across the changes of clocks in New York', () => {
  const cases = [
    // Clocks go forward on Sunday 14 March 2027: EST (UTC-5) becomes EDT (UTC-4).
    {
      change: 'March',
      date: '2027-03-15',
      start: '2027-03-15T13:00:00.000Z',
      shown: '09:00 EDT',
      before72: '2027-03-12T13:00:00.000Z', // 08:00 EST: 72 real hours, not three calendar days
      before24: '2027-03-14T13:00:00.000Z',
    },
    // Clocks go back on Sunday 7 November 2027: EDT becomes EST.
    {
      change: 'November',
      date: '2027-11-08',
      start: '2027-11-08T14:00:00.000Z',
      shown: '09:00 EST',
      before72: '2027-11-05T14:00:00.000Z', // 10:00 EDT
      before24: '2027-11-07T14:00:00.000Z',
    },
  ];

  for (const c of cases)
    it(`shows 09:00 and reminds 72 h and 24 h before, once each (${c.change})`, async () => {
      const startsAt = zonedTimeToUtc(c.date, '09:00', ZONE);
      expect(startsAt.toISOString()).toBe(c.start);
      const id = await appointment(startsAt);

      const view = await client.get(`/api/appointments/${id}`);
      expect(view.statusCode).toBe(200);
      expect(view.json()).toMatchObject({ startsAt: c.start, timeZone: ZONE });
      expect(wallClock(view.json().startsAt)).toBe(c.shown);

      const at72 = new Date(startsAt.getTime() - 72 * HOUR);
      const at24 = new Date(startsAt.getTime() - 24 * HOUR);
      expect([at72.toISOString(), at24.toISOString()]).toEqual([c.before72, c.before24]);
      const minute = 60_000;
      expect(await remind(new Date(at72.getTime() - minute))).toBe(0);
      expect(await remind(at72)).toBe(1);
      expect(await sentFor(id)).toEqual([72]);
      expect(await remind(new Date(at24.getTime() - minute))).toBe(0);
      expect(await remind(at24)).toBe(1);
      expect(await remind(at24)).toBe(0);
      expect(await remind(new Date(startsAt.getTime() - minute))).toBe(0);
      expect(await sentFor(id)).toEqual([72, 24]);

      const mails = await db()
        .selectFrom('mail_outbox')
        .select(['subject', 'body', 'attachments'])
        .where('to_address', '=', email)
        .where('subject', '=', 'Appointment reminder')
        .execute();
      const mine = mails.filter((m) => m.body?.includes(whenText('en', startsAt, ZONE)));
      expect(mine).toHaveLength(2);
      expect(whenText('en', startsAt, ZONE)).toMatch(
        new RegExp(`9:00\\s?AM ${c.shown.slice(-3)}$`),
      );
      expect(mine[0]?.attachments?.map((a) => a.filename)).toEqual(['appointment.ics']);
    });
});

describe('which reminder goes out', () => {
  it('sends only the nearest due one, and none that had passed before the booking', async () => {
    // Booked 30 h ahead: 72 h before had already passed; 24 h before is still to come.
    const bookedAt = new Date('2027-06-01T12:00:00.000Z');
    const soon = await appointment(new Date(bookedAt.getTime() + 30 * HOUR), bookedAt);
    expect(await remind(new Date(bookedAt.getTime() + 60_000))).toBe(0);
    // The job was down at 24 h before; it catches up late but sends one reminder, not two.
    expect(await remind(new Date(bookedAt.getTime() + 10 * HOUR))).toBe(1);
    expect(await sentFor(soon)).toEqual([24]);

    // Booked 10 h ahead: the confirmation is the reminder.
    const lastMinute = await appointment(new Date(bookedAt.getTime() + 10 * HOUR), bookedAt);
    expect(await remind(new Date(bookedAt.getTime() + 9 * HOUR))).toBe(0);
    expect(await sentFor(lastMinute)).toEqual([]);

    // A cancelled appointment is not reminded.
    const cancelled = await appointment(new Date(bookedAt.getTime() + 100 * HOUR), bookedAt);
    await db()
      .updateTable('appointments')
      .set({ status: 'cancelled', cancelled_at: bookedAt })
      .where('id', '=', cancelled)
      .execute();
    expect(await remind(new Date(bookedAt.getTime() + 80 * HOUR))).toBe(0);
  });
});

describe('APPOINTMENT_REMINDER_HOURS', () => {
  const hours = (v: string) =>
    loadConfig({ NODE_ENV: 'test', APPOINTMENT_REMINDER_HOURS: v }).appointmentReminderHours;

  it('defaults to 72 and 24 hours, takes any order, and refuses what is not a list of hours', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).appointmentReminderHours).toEqual([72, 24]);
    expect(hours('24, 168,2')).toEqual([168, 24, 2]);
    for (const bad of ['0', '721', '24,24', '24;72', 'a day', '1.5'])
      expect(() => hours(bad)).toThrow(/APPOINTMENT_REMINDER_HOURS/);
  });
});
