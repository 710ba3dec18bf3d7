// The waitlist through the API: joining and leaving, offers of a freed time
// in order to the entries it suits, the first acceptance winning a race, the
// old time released and offered on, expiry, and nobody reaching another
// patient's offer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whenText } from '../src/modules/scheduling/notices.ts';
import { sweepWaitlist } from '../src/modules/scheduling/waitlist.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { createProvider, createSlots, createVisitType, daysFromNow } from './support/scheduling.ts';

let t: TestApp;
const db = () => t.database.db;

beforeAll(async () => {
  // Two offers per freed time, so the order shows in a small example.
  t = await testApp({ env: { WAITLIST_OFFER_BATCH: '2' } });
});
afterAll(() => t?.close());

interface Patient {
  id: string;
  email: string;
  client: Client;
}

async function patientAt(clinicId: string): Promise<Patient> {
  const patient = await createPatient(db(), { clinicId });
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patient.id,
  });
  return { id: patient.id, email: user.email, client: await signedInClient(t, user) };
}

/** A clinic with providers A and B offering the office visit, and C alone offering another visit. */
async function clinicSetUp() {
  const clinic = await createClinic(db());
  const [a, b, c] = [
    await createProvider(db(), clinic.id),
    await createProvider(db(), clinic.id),
    await createProvider(db(), clinic.id),
  ];
  const office = await createVisitType(db(), clinic.id, [a.id, b.id]);
  const other = await createVisitType(db(), clinic.id, [c.id]);
  const slotAt = async (provider: { id: string }, days: number) =>
    (
      await createSlots(db(), {
        clinicId: clinic.id,
        providerId: provider.id,
        from: daysFromNow(days),
        count: 1,
      })
    )[0] as number;
  return { clinic, a, b, c, office, other, slotAt };
}

async function book(p: Patient, slotId: number, visitTypeId: string): Promise<string> {
  const res = await p.client.post('/api/appointments', { slotId: String(slotId), visitTypeId });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function join(p: Patient, appointmentId: string, provider: 'same' | 'any') {
  const res = await p.client.post(`/api/appointments/${appointmentId}/waitlist`, { provider });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const offersOf = async (p: Patient) => {
  const res = await p.client.get('/api/waitlist/offers');
  expect(res.statusCode).toBe(200);
  return res.json().offers as { id: string; startsAt: string; appointmentId: string }[];
};

const cancel = (p: Patient, appointmentId: string) =>
  p.client.post(`/api/appointments/${appointmentId}/cancel`, { reason: 'Cannot come' });

describe('joining and leaving', () => {
  it('puts an appointment on the waitlist, changes the choice in place, and takes it off', async () => {
    const s = await clinicSetUp();
    const me = await patientAt(s.clinic.id);
    const id = await book(me, await s.slotAt(s.a, 10), s.office.id);

    const before = await me.client.get(`/api/appointments/${id}/waitlist`);
    expect(before.json()).toMatchObject({ waiting: false, provider: null, canJoin: true });
    const joined = await join(me, id, 'same');
    expect(joined).toMatchObject({ waiting: true, provider: 'same' });
    const changed = await join(me, id, 'any');
    expect(changed).toMatchObject({ waiting: true, provider: 'any', joinedAt: joined.joinedAt });
    const entries = await db()
      .selectFrom('waitlist_entries')
      .select(['status', 'provider_id'])
      .where('appointment_id', '=', id)
      .execute();
    expect(entries).toEqual([{ status: 'waiting', provider_id: null }]);

    const left = await me.client.delete(`/api/appointments/${id}/waitlist`);
    expect(left.statusCode).toBe(200);
    expect(left.json()).toMatchObject({ waiting: false, canJoin: true });
    expect((await me.client.delete(`/api/appointments/${id}/waitlist`)).json().waiting).toBe(false);
  });

  it('refuses a request waiting for staff, and a stranger’s appointment (audited)', async () => {
    const s = await clinicSetUp();
    const byRequest = await createVisitType(db(), s.clinic.id, [s.a.id], { booking: 'request' });
    const me = await patientAt(s.clinic.id);
    const request = await book(me, await s.slotAt(s.a, 9), byRequest.id);
    const refused = await me.client.post(`/api/appointments/${request}/waitlist`, {
      provider: 'any',
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('not_waitable');

    const stranger = await patientAt(s.clinic.id);
    const res = await stranger.client.post(`/api/appointments/${request}/waitlist`, {
      provider: 'any',
    });
    expect(res.statusCode).toBe(404);
    const denied = await db()
      .selectFrom('audit_events')
      .select(['patient_id', 'resource_type'])
      .where('action', '=', 'access_denied')
      .where('resource_id', '=', request)
      .execute();
    expect(denied).toEqual([{ patient_id: stranger.id, resource_type: 'Appointment' }]);
  });
});

describe('offers of a freed time', () => {
  it('go to the oldest entries it suits, by e-mail and in the portal; a decline or expiry passes it on', async () => {
    const s = await clinicSetUp();
    const leaving = await patientAt(s.clinic.id);
    const freed = await s.slotAt(s.a, 3);
    const leavingId = await book(leaving, freed, s.office.id);

    // In joining order. Those marked ✗ do not suit a time with provider A on day 3.
    const waiting = async (
      provider: { id: string },
      days: number,
      vt: string,
      choice: 'same' | 'any',
    ) => {
      const p = await patientAt(s.clinic.id);
      const id = await book(p, await s.slotAt(provider, days), vt);
      await join(p, id, choice);
      return { ...p, appointmentId: id };
    };
    const first = await waiting(s.a, 10, s.office.id, 'any');
    const sameB = await waiting(s.b, 10, s.office.id, 'same'); // ✗ wants B
    const otherVisit = await waiting(s.c, 10, s.other.id, 'any'); // ✗ A does not offer it
    const earlier = await waiting(s.a, 2, s.office.id, 'any'); // ✗ already earlier
    const second = await waiting(s.a, 11, s.office.id, 'same');
    const third = await waiting(s.b, 11, s.office.id, 'any');
    const fourth = await waiting(s.a, 12, s.office.id, 'any');

    expect((await cancel(leaving, leavingId)).statusCode).toBe(200);
    const offered = async () =>
      (
        await db()
          .selectFrom('waitlist_offers')
          .innerJoin('waitlist_entries', 'waitlist_entries.id', 'waitlist_offers.entry_id')
          .select(['waitlist_entries.patient_id', 'waitlist_offers.status'])
          .where('waitlist_offers.slot_id', '=', freed)
          .orderBy('waitlist_offers.created_at')
          .orderBy('waitlist_entries.created_at')
          .execute()
      ).map((o) => `${o.patient_id}:${o.status}`);
    expect(await offered()).toEqual([`${first.id}:open`, `${second.id}:open`]);
    for (const p of [sameB, otherVisit, earlier, third, fourth])
      expect(await offersOf(p)).toEqual([]);

    const [offer] = await offersOf(first);
    const slotStart = (
      await db()
        .selectFrom('slots')
        .select('starts_at')
        .where('id', '=', freed)
        .executeTakeFirstOrThrow()
    ).starts_at;
    expect(offer).toMatchObject({
      appointmentId: first.appointmentId,
      startsAt: slotStart.toISOString(),
    });
    const mail = await db()
      .selectFrom('mail_outbox')
      .select(['subject', 'body', 'attachments'])
      .where('to_address', '=', first.email)
      .where('subject', '=', 'An earlier time is available')
      .executeTakeFirstOrThrow();
    expect(mail.body).toContain(whenText('en', slotStart, 'America/Chicago'));
    expect(mail.body).toContain(`${t.config.publicUrl}/appointments/offers`);
    expect(mail.attachments).toBeNull();

    // A decline passes the time to the next in line.
    expect((await first.client.post(`/api/waitlist/offers/${offer?.id}/decline`)).statusCode).toBe(
      204,
    );
    expect(await offered()).toEqual([
      `${first.id}:declined`,
      `${second.id}:open`,
      `${third.id}:open`,
    ]);

    // An expired offer cannot be taken; the sweep offers the time on.
    const [late] = await offersOf(second);
    await db()
      .updateTable('waitlist_offers')
      .set({ expires_at: new Date(Date.now() - 60_000) })
      .where('id', '=', late?.id as string)
      .execute();
    expect(await offersOf(second)).toEqual([]);
    const expired = await second.client.post(`/api/waitlist/offers/${late?.id}/accept`);
    expect(expired.statusCode).toBe(409);
    expect(expired.json().error.code).toBe('offer_expired');
    await sweepWaitlist(db(), t.config);
    expect(await offered()).toEqual([
      `${first.id}:declined`,
      `${second.id}:open`,
      `${third.id}:open`,
      `${fourth.id}:open`,
    ]);
  });

  it('are made by the sweep when the EHR frees a time it had refused; the sweep ends entries that can no longer move', async () => {
    const s = await clinicSetUp();
    const refusedPatient = await patientAt(s.clinic.id);
    const slot = await s.slotAt(s.a, 4);
    const refusedId = await book(refusedPatient, slot, s.office.id);
    const w = await patientAt(s.clinic.id);
    const waitingId = await book(w, await s.slotAt(s.a, 10), s.office.id);
    await join(w, waitingId, 'any');
    // As the write-back does when the EHR says the time is taken there: not booked, not free.
    await db()
      .updateTable('appointments')
      .set({ status: 'not_booked' })
      .where('id', '=', refusedId)
      .execute();
    await db().updateTable('slots').set({ free: false }).where('id', '=', slot).execute();
    await sweepWaitlist(db(), t.config);
    expect(await offersOf(w)).toEqual([]);
    // A later inventory refresh finds it free in the EHR again.
    await db().updateTable('slots').set({ free: true }).where('id', '=', slot).execute();
    await sweepWaitlist(db(), t.config);
    const [offer] = await offersOf(w);
    expect(offer?.startsAt).toBeDefined();
    await sweepWaitlist(db(), t.config);
    expect(await offersOf(w)).toEqual([offer]);

    // The clinic moves its deadline for changes to 14 days: the appointment can no longer move.
    await db()
      .updateTable('visit_types')
      .set({ change_cutoff_hours: 336 })
      .where('id', '=', s.office.id)
      .execute();
    expect(await sweepWaitlist(db(), t.config)).toEqual({ ended: 1, offered: 0 });
    expect((await w.client.get(`/api/appointments/${waitingId}/waitlist`)).json()).toMatchObject({
      waiting: false,
      canJoin: false,
    });
    expect(await offersOf(w)).toEqual([]);
  });

  it('are made at once for a time the inventory had copied as busy from the EHR while it was booked', async () => {
    const s = await clinicSetUp();
    const leaving = await patientAt(s.clinic.id);
    const slot = await s.slotAt(s.a, 4);
    const leavingId = await book(leaving, slot, s.office.id);
    const w = await patientAt(s.clinic.id);
    await join(w, await book(w, await s.slotAt(s.a, 10), s.office.id), 'any');
    // As an inventory refresh does while the EHR has the time busy with this booking.
    await db().updateTable('slots').set({ free: false }).where('id', '=', slot).execute();

    expect((await cancel(leaving, leavingId)).statusCode).toBe(200);
    const [offer] = await offersOf(w);
    expect(offer?.startsAt).toBeDefined();
    const row = await db()
      .selectFrom('slots')
      .select('free')
      .where('id', '=', slot)
      .executeTakeFirstOrThrow();
    expect(row.free).toBe(true);
  });
});

describe('accepting an offer', () => {
  it('goes to the first of two patients accepting at once; the old time is released and offered on', async () => {
    const s = await clinicSetUp();
    const leaving = await patientAt(s.clinic.id);
    const freed = await s.slotAt(s.a, 3);
    const leavingId = await book(leaving, freed, s.office.id);
    const racers: (Patient & { appointmentId: string; slot: number; days: number })[] = [];
    for (const days of [10, 11]) {
      const p = await patientAt(s.clinic.id);
      const slot = await s.slotAt(s.a, days);
      const appointmentId = await book(p, slot, s.office.id);
      await join(p, appointmentId, 'any');
      racers.push({ ...p, appointmentId, slot, days });
    }
    const behind = await patientAt(s.clinic.id);
    await join(behind, await book(behind, await s.slotAt(s.b, 20), s.office.id), 'any');

    await cancel(leaving, leavingId);
    const offers = await Promise.all(racers.map(async (r) => (await offersOf(r))[0]?.id));
    expect(offers.every(Boolean)).toBe(true);
    const answers = await Promise.all(
      racers.map((r, i) => r.client.post(`/api/waitlist/offers/${offers[i]}/accept`)),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect([...statuses].sort()).toEqual([200, 409]);
    const winner = statuses.indexOf(200);
    const won = racers[winner] as (typeof racers)[number];
    const lost = racers[1 - winner] as (typeof racers)[number];
    const loser = answers[1 - winner];
    expect(loser?.json().error).toMatchObject({ code: 'offer_taken' });
    expect(loser?.json().error.message).toMatch(/^Someone else took this time/);
    expect(answers[winner]?.json()).toMatchObject({
      slotId: String(freed),
      rescheduledFrom: won.appointmentId,
      status: 'confirming',
    });

    const live = await db()
      .selectFrom('appointments')
      .select(['patient_id', 'slot_id', 'status'])
      .where('slot_id', 'in', [freed, won.slot])
      .where('status', 'not in', ['cancelled', 'declined', 'not_booked'])
      .execute();
    expect(live).toEqual([{ patient_id: won.id, slot_id: freed, status: 'confirming' }]);
    const old = (await won.client.get(`/api/appointments/${won.appointmentId}`)).json();
    expect(old.status).toBe('cancelled');
    const search = await won.client.get(
      `/api/scheduling/slots?clinicId=${s.clinic.id}&visitTypeId=${s.office.id}&providerId=${s.a.id}`,
    );
    expect(search.json().slots.map((x: { id: string }) => Number(x.id))).toContain(won.slot);

    const entries = await db()
      .selectFrom('waitlist_entries')
      .select(['patient_id', 'status'])
      .where('patient_id', 'in', [won.id, lost.id])
      .execute();
    expect(Object.fromEntries(entries.map((e) => [e.patient_id, e.status]))).toEqual({
      [won.id]: 'accepted',
      [lost.id]: 'waiting',
    });
    // The winner's old time is offered on: to the patient behind (day 20), and to the
    // loser when theirs is the later of the two racers' days (10 and 11).
    const oldStart = (
      await db()
        .selectFrom('slots')
        .select('starts_at')
        .where('id', '=', won.slot)
        .executeTakeFirstOrThrow()
    ).starts_at.toISOString();
    expect((await offersOf(lost)).map((o) => o.startsAt)).toEqual(
      lost.days > won.days ? [oldStart] : [],
    );
    expect((await offersOf(behind)).map((o) => o.startsAt)).toEqual([oldStart]);
  });

  it('is refused to another patient, as if the offer did not exist, and audited', async () => {
    const s = await clinicSetUp();
    const leaving = await patientAt(s.clinic.id);
    const freed = await s.slotAt(s.a, 3);
    const leavingId = await book(leaving, freed, s.office.id);
    const owner = await patientAt(s.clinic.id);
    await join(owner, await book(owner, await s.slotAt(s.a, 10), s.office.id), 'any');
    await cancel(leaving, leavingId);
    const [offer] = await offersOf(owner);
    const stranger = await patientAt(s.clinic.id);

    expect(await offersOf(stranger)).toEqual([]);
    for (const action of ['accept', 'decline']) {
      const res = await stranger.client.post(`/api/waitlist/offers/${offer?.id}/${action}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    const denied = await db()
      .selectFrom('audit_events')
      .select(['patient_id', 'resource_type', 'outcome'])
      .where('action', '=', 'access_denied')
      .where('resource_id', '=', offer?.id as string)
      .execute();
    expect(denied).toEqual([
      { patient_id: stranger.id, resource_type: 'WaitlistOffer', outcome: 'failure' },
      { patient_id: stranger.id, resource_type: 'WaitlistOffer', outcome: 'failure' },
    ]);
    expect(await offersOf(owner)).toHaveLength(1);
  });
});
