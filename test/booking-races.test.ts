// Races over real HTTP, as browsers make them: the app listens on a port and
// hundreds of signed-in patients press "Book" at the same moment. The
// database's constraints decide: one winner per slot, no patient with
// overlapping appointments, and every loser a clear 409 they can act on.
// (CI runs this file on PGlite, which takes one transaction at a time, and
// again on PostgreSQL, where the transactions really do meet.)
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/modules/accounts/passwords.ts';
import { createSession, sessionCookieName } from '../src/platform/auth/sessions.ts';
import { type TestApp, testApp } from './support/app.ts';
import { createClinic, TEST_PASSWORD } from './support/factories.ts';
import { createProvider, createSlots, createVisitType, daysFromNow } from './support/scheduling.ts';

let t: TestApp;
let base: string;
const db = () => t.database.db;

beforeAll(async () => {
  t = await testApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t?.close());

/** A signed-in browser: its session and CSRF cookies and the token the page sends back. */
interface Browser {
  patientId: string;
  cookie: string;
  csrfToken: string;
}

/**
 * `count` patients of the clinic with accounts and signed-in sessions, made in
 * bulk (one password hash for all: argon2 takes ~60 ms a time). Each browser
 * asks GET /api/session for its CSRF token, as the web app does.
 */
async function signedInPatients(clinicId: string, count: number): Promise<Browser[]> {
  const passwordHash = await hashPassword(TEST_PASSWORD);
  const tag = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const patients = await db()
    .insertInto('patients')
    .values(
      Array.from({ length: count }, (_, i) => ({
        given_name: 'Racer',
        family_name: `Patient ${i}`,
        birth_date: '1985-06-01',
        email: null,
      })),
    )
    .returning('id')
    .execute();
  await db()
    .insertInto('patient_clinics')
    .values(
      patients.map((p, i) => ({ patient_id: p.id, clinic_id: clinicId, mrn: `R-${tag}-${i}` })),
    )
    .execute();
  const users = await db()
    .insertInto('users')
    .values(
      patients.map((p, i) => ({
        email: `racer-${tag}-${i}@example.org`,
        display_name: `Racer ${i}`,
        password_hash: passwordHash,
        patient_id: p.id,
      })),
    )
    .returning(['id', 'patient_id'])
    .execute();
  await db()
    .insertInto('user_roles')
    .values(users.map((u) => ({ user_id: u.id, role: 'patient' as const, clinic_id: null })))
    .execute();
  return Promise.all(users.map((u) => browserFor(u.id, u.patient_id as string)));
}

async function browserFor(userId: string, patientId: string): Promise<Browser> {
  const { token } = await createSession(db(), {
    userId,
    idleMinutes: 30,
    maxHours: 12,
    mfaVerified: true,
    ip: '203.0.113.20',
    userAgent: 'race-test',
  });
  const session = `${sessionCookieName(t.config)}=${token}`;
  const res = await fetch(`${base}/api/session`, { headers: { cookie: session } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { csrfToken: string; signedIn: boolean };
  expect(body.signedIn).toBe(true);
  const csrf = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  return { patientId, cookie: [session, ...csrf].join('; '), csrfToken: body.csrfToken };
}

interface Answer {
  patientId: string;
  slotId: number;
  status: number;
  body: {
    status?: string;
    error?: { code: string; message: string; details?: { nextTimes?: { id: string }[] } };
  };
}

async function book(b: Browser, slotId: number, visitTypeId: string): Promise<Answer> {
  const res = await fetch(`${base}/api/appointments`, {
    method: 'POST',
    headers: { cookie: b.cookie, 'x-csrf-token': b.csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify({ slotId: String(slotId), visitTypeId }),
  });
  return { patientId: b.patientId, slotId, status: res.status, body: await res.json() };
}

async function liveAppointments(clinicId: string) {
  return db()
    .selectFrom('appointments')
    .select(['id', 'patient_id', 'slot_id', 'starts_at', 'ends_at'])
    .where('clinic_id', '=', clinicId)
    .where('status', 'not in', ['cancelled', 'declined', 'not_booked'])
    .execute();
}

/** What each successful booking must have left behind, and nothing for the losers. */
async function expectOneOutboxAndAuditRowPer(clinicId: string, bookings: number) {
  const outbox = await db()
    .selectFrom('ehr_outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('clinic_id', '=', clinicId)
    .where('kind', '=', 'appointment.book')
    .executeTakeFirstOrThrow();
  expect(Number(outbox.n)).toBe(bookings);
  const audited = await db()
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('clinic_id', '=', clinicId)
    .where('resource_type', '=', 'Appointment')
    .where('action', '=', 'create')
    .executeTakeFirstOrThrow();
  expect(Number(audited.n)).toBe(bookings);
}

describe('concurrent bookings over HTTP', () => {
  it('gives one slot wanted by 200 patients to exactly one; 199 hear it was just taken, with other times', async () => {
    const clinic = await createClinic(db());
    const provider = await createProvider(db(), clinic.id);
    const vt = await createVisitType(db(), clinic.id, [provider.id]);
    const [wanted, ...later] = await createSlots(db(), {
      clinicId: clinic.id,
      providerId: provider.id,
      from: daysFromNow(4),
      count: 6,
    });
    const browsers = await signedInPatients(clinic.id, 200);

    const answers = await Promise.all(browsers.map((b) => book(b, wanted as number, vt.id)));

    const won = answers.filter((a) => a.status === 201);
    const lost = answers.filter((a) => a.status !== 201);
    expect(won).toHaveLength(1);
    expect(won[0]?.body.status).toBe('confirming');
    expect(lost).toHaveLength(199);
    for (const a of lost) {
      expect(a.status).toBe(409);
      expect(a.body.error?.code).toBe('slot_taken');
      expect(a.body.error?.message).toMatch(/just taken/);
      const next = a.body.error?.details?.nextTimes?.map((s) => Number(s.id));
      expect(next?.length).toBeGreaterThan(0);
      expect(next).not.toContain(wanted);
      for (const id of next ?? []) expect(later).toContain(id);
    }
    const live = await liveAppointments(clinic.id);
    expect(live).toEqual([
      expect.objectContaining({ slot_id: wanted, patient_id: won[0]?.patientId }),
    ]);
    await expectOneOutboxAndAuditRowPer(clinic.id, 1);
  }, 120_000);

  it('books 50 slots for exactly 50 of 200 patients trying several at once; none gets overlapping times', async () => {
    const clinic = await createClinic(db());
    const a = await createProvider(db(), clinic.id);
    const b = await createProvider(db(), clinic.id);
    // Two providers at the same half hours: a patient trying both would be in two places at once.
    const vt = await createVisitType(db(), clinic.id, [a.id, b.id], { max_future_bookings: 2 });
    const from = daysFromNow(5);
    const slots = [
      ...(await createSlots(db(), { clinicId: clinic.id, providerId: a.id, from, count: 25 })),
      ...(await createSlots(db(), { clinicId: clinic.id, providerId: b.id, from, count: 25 })),
    ];
    const browsers = await signedInPatients(clinic.id, 200);
    // 150 patients try one to four slots at once (sent first); 50 more want one slot
    // each, so every slot is wanted by someone who can lose it only to another patient.
    const [keen, single] = [browsers.slice(slots.length), browsers.slice(0, slots.length)];
    const attempts = [
      ...keen.flatMap((br, i) => pick(slots, 1 + (i % 4)).map((s) => ({ br, s }))),
      ...single.map((br, i) => ({ br, s: slots[i] as number })),
    ];

    const answers = await Promise.all(attempts.map(({ br, s }) => book(br, s, vt.id)));

    const won = answers.filter((x) => x.status === 201);
    expect(won).toHaveLength(50);
    expect(new Set(won.map((x) => x.slotId)).size).toBe(50);
    const refusals = new Set<string>();
    for (const x of answers.filter((y) => y.status !== 201)) {
      expect(x.status).toBe(409);
      expect(x.body.error?.message.length).toBeGreaterThan(20);
      refusals.add(x.body.error?.code as string);
    }
    for (const code of refusals)
      expect(['slot_taken', 'overlapping', 'too_many_bookings']).toContain(code);

    const live = await liveAppointments(clinic.id);
    expect(live.map((x) => x.slot_id).sort(byNumber)).toEqual([...slots].sort(byNumber));
    const byPatient = Map.groupBy(live, (x) => x.patient_id);
    for (const mine of byPatient.values()) {
      expect(mine.length).toBeLessThanOrEqual(2);
      const [first, second] = mine;
      if (first && second)
        expect(first.starts_at < second.ends_at && second.starts_at < first.ends_at).toBe(false);
    }
    await expectOneOutboxAndAuditRowPer(clinic.id, 50);
  }, 120_000);
});

describe('one patient booking from many tabs at once', () => {
  it('books no more than the visit type allows; the rest hear why', async () => {
    const clinic = await createClinic(db());
    const provider = await createProvider(db(), clinic.id);
    const vt = await createVisitType(db(), clinic.id, [provider.id], { max_future_bookings: 1 });
    const slots = await createSlots(db(), {
      clinicId: clinic.id,
      providerId: provider.id,
      from: daysFromNow(5),
      count: 12,
    });
    const [browser] = await signedInPatients(clinic.id, 1);
    if (!browser) throw new Error('no browser');

    const answers = await Promise.all(slots.map((s) => book(browser, s, vt.id)));

    expect(answers.filter((x) => x.status === 201)).toHaveLength(1);
    for (const x of answers.filter((y) => y.status !== 201)) {
      expect(x.status).toBe(409);
      expect(x.body.error?.code).toBe('too_many_bookings');
    }
    expect(await liveAppointments(clinic.id)).toHaveLength(1);
    await expectOneOutboxAndAuditRowPer(clinic.id, 1);
  }, 60_000);
});

/** `n` different slots at random. */
function pick(slots: number[], n: number): number[] {
  return [...slots].sort(() => Math.random() - 0.5).slice(0, n);
}

const byNumber = (x: number, y: number) => x - y;
