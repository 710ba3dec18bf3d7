// The care team's reply measures: with known start and first-reply times,
// the median and 90th percentile hours per pool, the share answered within
// the pool's target in business days (weekends not counted), what waits
// and is late now, and who may look.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postMessage, startThread } from '../src/modules/messaging/threads.ts';
import { type TestApp, testApp } from './support/app.ts';
import {
  type MessagingPerson,
  messagingClinic,
  messagingPatient,
  messagingStaff,
} from './support/messaging.ts';

const HOUR = 3_600_000;
const FROM = '2026-03-01T00:00:00.000Z';
const TO = '2026-04-01T00:00:00.000Z';

let t: TestApp;
const db = () => t.database.db;
let clinic: { id: string };
let patient: MessagingPerson;
let nurse: Awaited<ReturnType<typeof messagingStaff>>;

beforeAll(async () => {
  t = await testApp();
  clinic = await messagingClinic(db());
  patient = await messagingPatient(t, clinic.id);
  nurse = await messagingStaff(t, clinic.id, 'nurse');
});
afterAll(() => t?.close());

/** A thread the patient started at `created`, first answered `replyHours` later (null: not yet). */
async function thread(
  topic: 'medical' | 'appointment' | 'refill',
  created: Date,
  replyHours: number | null,
  options: { byStaff?: boolean; status?: 'closed' } = {},
) {
  const pool = await db()
    .selectFrom('message_pools')
    .select('id')
    .where('clinic_id', '=', clinic.id)
    .where('topic', '=', topic)
    .executeTakeFirstOrThrow();
  const id = await db()
    .transaction()
    .execute((trx) =>
      startThread(trx, t, {
        clinicId: clinic.id,
        patientId: patient.id,
        poolId: pool.id,
        topic,
        subject: 'Question',
        body: 'A question',
        authorUserId: options.byStaff ? nurse.userId : patient.userId,
        fromStaff: !!options.byStaff,
      }),
    );
  await db()
    .updateTable('message_threads')
    .set({
      created_at: created,
      first_staff_reply_at:
        replyHours === null ? null : new Date(created.getTime() + replyHours * HOUR),
      // The patient's first message waits until it is answered.
      awaiting_reply_since: replyHours === null && !options.byStaff ? created : null,
      ...(options.status ? { status: options.status } : {}),
    })
    .where('id', '=', id)
    .execute();
  return id;
}

/** The continuous percentile (linear between the closest ranks), as PostgreSQL's percentile_cont. */
function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

const measures = (query: string) =>
  nurse.client.get(`/api/staff/messages/measures?clinicId=${clinic.id}${query}`);

describe('time to first staff reply', () => {
  // Monday 9 March 2026, 10:00 in Chicago (CDT): due Wednesday 11 March at 10:00.
  const monday = new Date('2026-03-09T15:00:00Z');
  // Friday 13 March, 10:00: due Tuesday 17 March at 10:00 (the weekend is not counted).
  const friday = new Date('2026-03-13T15:00:00Z');
  const replies = { monday: [1, 2, 3, 4, 50], friday: [72] };

  beforeAll(async () => {
    for (const h of replies.monday) await thread('medical', monday, h);
    for (const h of replies.friday) await thread('medical', friday, h);
    // Waiting for a first reply: late (since March), and one just in.
    await thread('medical', monday, null);
    await thread('medical', new Date(), null);
    // Not measured: staff-started, outside the period, and a closed one not waiting.
    await thread('medical', monday, null, { byStaff: true });
    await thread('medical', new Date('2026-02-20T15:00:00Z'), 500);
    await thread('medical', monday, null, { status: 'closed' });
  });

  it('gives the median, the 90th percentile and the share within target per pool', async () => {
    const res = await measures(`&from=${FROM}&to=${TO}`);
    expect(res.statusCode).toBe(200);
    const all = [...replies.monday, ...replies.friday];
    const medical = (res.json().pools as { topic: string }[]).find((p) => p.topic === 'medical');
    expect(medical).toMatchObject({
      // Five Monday, one Friday, the late one waiting and the closed one.
      threads: 8,
      replied: all.length,
      medianHours: percentile(all, 0.5),
      p90Hours: percentile(all, 0.9),
      targetBusinessDays: 2,
    });
    expect(percentile(all, 0.5)).toBe(3.5);
    expect(percentile(all, 0.9)).toBe(61);
    // 50 hours after Monday 10:00 is past Wednesday 10:00; 72 hours after
    // Friday 10:00 is Monday, within two business days.
    expect(
      res.json().pools.find((p: { topic: string }) => p.topic === 'medical').withinTarget,
    ).toBe(5 / 6);
  });

  it('counts what waits for a first reply now, and what is late', async () => {
    const res = await measures(`&from=${FROM}&to=${TO}`);
    const medical = (res.json().pools as { topic: string }[]).find((p) => p.topic === 'medical');
    expect(medical).toMatchObject({ waiting: 2, overdue: 1 });
  });

  it('lists a pool with nothing to measure with empty figures', async () => {
    const res = await measures(`&from=${FROM}&to=${TO}`);
    expect(res.json().pools.map((p: { topic: string }) => p.topic)).toEqual([
      'medical',
      'appointment',
      'billing',
      'refill',
      'other',
    ]);
    expect(
      res.json().pools.find((p: { topic: string }) => p.topic === 'appointment'),
    ).toMatchObject({
      threads: 0,
      replied: 0,
      medianHours: null,
      p90Hours: null,
      withinTarget: null,
      waiting: 0,
      overdue: 0,
    });
  });

  it('refuses a period that ends before it starts', async () => {
    const res = await measures(`&from=${TO}&to=${FROM}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([expect.objectContaining({ field: 'from' })]);
  });
});

describe('what waits after the first reply', () => {
  const patientWrites = (threadId: string) =>
    db()
      .transaction()
      .execute((trx) =>
        postMessage(trx, t, {
          threadId,
          authorUserId: patient.userId,
          fromStaff: false,
          internal: false,
          body: 'One more question',
        }),
      );
  const waitingSince = (id: string, at: Date) =>
    db()
      .updateTable('message_threads')
      .set({ awaiting_reply_since: at })
      .where('id', '=', id)
      .execute();

  it('counts a later patient question as waiting, and late past the target, in any thread', async () => {
    const monday = new Date('2026-03-09T15:00:00Z');
    const answered = await thread('refill', monday, 1);
    const byStaff = await thread('refill', monday, null, { byStaff: true });
    const refill = async () =>
      (await measures(`&from=${FROM}&to=${TO}`))
        .json()
        .pools.find((p: { topic: string }) => p.topic === 'refill');
    expect(await refill()).toMatchObject({ threads: 1, replied: 1, waiting: 0, overdue: 0 });

    await patientWrites(answered);
    await patientWrites(byStaff);
    expect(await refill()).toMatchObject({ waiting: 2, overdue: 0 });
    await waitingSince(answered, monday);
    // The first reply's measure stays as it was.
    expect(await refill()).toMatchObject({ threads: 1, replied: 1, waiting: 2, overdue: 1 });
  });
});

describe('who may look', () => {
  it('refuses the front desk, and staff of another clinic with an audited 404', async () => {
    const desk = await messagingStaff(t, clinic.id, 'front_desk');
    const res = await desk.client.get(`/api/staff/messages/measures?clinicId=${clinic.id}`);
    expect(res.statusCode).toBe(403);
    const other = await messagingClinic(db());
    const stranger = await messagingStaff(t, other.id, 'provider');
    const far = await stranger.client.get(`/api/staff/messages/measures?clinicId=${clinic.id}`);
    expect(far.statusCode).toBe(404);
    const denied = await db()
      .selectFrom('audit_events')
      .select(['action', 'clinic_id'])
      .where('actor_user_id', '=', stranger.userId)
      .execute();
    expect(denied).toEqual([{ action: 'access_denied', clinic_id: clinic.id }]);
    for (const role of ['clinic_admin', 'provider'] as const) {
      const ok = await (await messagingStaff(t, clinic.id, role)).client.get(
        `/api/staff/messages/measures?clinicId=${clinic.id}`,
      );
      expect(ok.statusCode).toBe(200);
    }
  });
});
