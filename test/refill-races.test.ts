// Refill submissions racing over real HTTP, as a double click, a retry or
// several tabs make them: the app listens on a port and the same patient
// sends the same request many times at once. The unique index on open
// requests decides: one request per medication, and every answer names it.
// (Run on PGlite, one transaction at a time, and on PostgreSQL with
// DATABASE_URL, where the transactions really meet.)
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionKey, taskKey } from '../src/modules/refills/writeback.ts';
import { createSession, sessionCookieName } from '../src/platform/auth/sessions.ts';
import { type TestApp, testApp } from './support/app.ts';
import { createClinic, createUser } from './support/factories.ts';
import {
  cacheMedication,
  createPharmacy,
  dueMedication,
  refillPatient,
} from './support/refills.ts';

let t: TestApp;
let base: string;
let clinic: { id: string };
let pharmacy: { id: string };
const db = () => t.database.db;

beforeAll(async () => {
  t = await testApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  clinic = await createClinic(db());
  pharmacy = await createPharmacy(db(), clinic.id);
});
afterAll(() => t?.close());

interface Tab {
  cookie: string;
  csrfToken: string;
}

/** A signed-in tab of the user's: its own session, and the CSRF token the page sends back. */
async function tab(userId: string): Promise<Tab> {
  const { token } = await createSession(db(), {
    userId,
    idleMinutes: 30,
    maxHours: 12,
    mfaVerified: true,
    ip: '203.0.113.30',
    userAgent: 'refill-race-test',
  });
  const session = `${sessionCookieName(t.config)}=${token}`;
  const res = await fetch(`${base}/api/session`, { headers: { cookie: session } });
  const body = (await res.json()) as { csrfToken: string; signedIn: boolean };
  expect(body.signedIn).toBe(true);
  const csrf = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  return { cookie: [session, ...csrf].join('; '), csrfToken: body.csrfToken };
}

interface Answer {
  status: number;
  body: { requests?: { id: string; medicationId: string }[]; error?: { code: string } };
}

async function submit(tab: Tab, medicationIds: string[]): Promise<Answer> {
  const res = await fetch(`${base}/api/refills`, {
    method: 'POST',
    headers: {
      cookie: tab.cookie,
      'x-csrf-token': tab.csrfToken,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      clinicId: clinic.id,
      medicationIds,
      pharmacyId: pharmacy.id,
      savePharmacy: true,
    }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/** A POST from the tab, its answer's status. */
async function post(tab: Tab, path: string, body: object = {}): Promise<number> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      cookie: tab.cookie,
      'x-csrf-token': tab.csrfToken,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

const count = async (table: 'ehr_outbox' | 'refill_requests', patientId: string) =>
  Number(
    (
      await db()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('patient_id', '=', patientId)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('simultaneous refill submissions over HTTP', () => {
  it('20 at once for the same medication create exactly one request, and every answer names it', async () => {
    const p = await refillPatient(t, clinic.id);
    const med = await cacheMedication(db(), p, dueMedication('Lisinopril 10 MG Oral Tablet'));
    const tabs = await Promise.all(Array.from({ length: 20 }, () => tab(p.userId)));

    const answers = await Promise.all(tabs.map((x) => submit(x, [med])));

    const created = answers.filter((a) => a.status === 201);
    const repeats = answers.filter((a) => a.status === 200);
    expect(created).toHaveLength(1);
    expect(repeats).toHaveLength(19);
    const rows = await db()
      .selectFrom('refill_requests')
      .select(['id', 'status'])
      .where('patient_id', '=', p.id)
      .execute();
    expect(rows).toEqual([{ id: expect.any(String), status: 'requested' }]);
    for (const a of answers) expect(a.body.requests?.map((r) => r.id)).toEqual([rows[0]?.id]);
    // One Task for the EHR and one timeline entry, however many clicks.
    expect(await count('ehr_outbox', p.id)).toBe(1);
    const events = await db()
      .selectFrom('refill_events')
      .select('kind')
      .where('request_id', '=', rows[0]?.id as string)
      .execute();
    expect(events).toEqual([{ kind: 'requested' }]);
  }, 60_000);

  it('tabs asking for overlapping sets in different orders agree on one request per medication', async () => {
    const p = await refillPatient(t, clinic.id);
    const [a, b, c] = await Promise.all(
      [
        'Lisinopril 10 MG Oral Tablet',
        'Simvastatin 20 MG Oral Tablet',
        'Amlodipine 5 MG Oral Tablet',
      ].map((name) => cacheMedication(db(), p, dueMedication(name))),
    );
    const sets = [[a, b], [b, a], [b, c], [c, a, b], [a]] as string[][];
    const tabs = await Promise.all(Array.from({ length: 20 }, () => tab(p.userId)));

    const answers = await Promise.all(
      tabs.map((x, i) => submit(x, sets[i % sets.length] as string[])),
    );

    for (const x of answers) expect([200, 201]).toContain(x.status);
    expect(await count('refill_requests', p.id)).toBe(3);
    const byMedication = new Map<string, Set<string>>();
    for (const x of answers)
      for (const r of x.body.requests ?? [])
        byMedication.set(r.medicationId, (byMedication.get(r.medicationId) ?? new Set()).add(r.id));
    expect([...byMedication.keys()].sort()).toEqual([a, b, c].sort());
    for (const ids of byMedication.values()) expect(ids.size).toBe(1);
    expect(await count('ehr_outbox', p.id)).toBe(3);
  }, 60_000);

  it("a patient's cancel racing a provider's approval: exactly one wins, and the state agrees with it", async () => {
    const p = await refillPatient(t, clinic.id);
    const provider = await createUser(db(), t.config, {
      roles: [{ role: 'provider', clinicId: clinic.id }],
    });
    const [patientTab, providerTab] = await Promise.all([tab(p.userId), tab(provider.id)]);
    const winners = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const med = await cacheMedication(db(), p, dueMedication(`Drug ${round} 10 MG Oral Tablet`));
      const made = await submit(patientTab, [med]);
      const id = made.body.requests?.[0]?.id as string;

      const [cancel, approve] = await Promise.all([
        post(patientTab, `/api/refills/${id}/cancel`),
        post(providerTab, `/api/staff/refills/${id}/approve`),
      ]);

      expect([cancel, approve].sort()).toEqual([200, 409]);
      const row = await db()
        .selectFrom('refill_requests')
        .select(['status', 'decided_by'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const outbox = await db()
        .selectFrom('ehr_outbox')
        .select(['idempotency_key', 'status'])
        .where('idempotency_key', 'in', [taskKey(id), decisionKey(id)])
        .orderBy('idempotency_key')
        .execute();
      const kinds = (
        await db().selectFrom('refill_events').select('kind').where('request_id', '=', id).execute()
      ).map((e) => e.kind);
      if (approve === 200) {
        winners.add('approve');
        expect(row).toEqual({ status: 'approved', decided_by: provider.id });
        expect(outbox).toEqual([
          { idempotency_key: decisionKey(id), status: 'pending' },
          { idempotency_key: taskKey(id), status: 'pending' },
        ]);
        expect(kinds).not.toContain('cancelled');
      } else {
        winners.add('cancel');
        expect(row).toEqual({ status: 'cancelled', decided_by: null });
        // Nothing left to reach the EHR: no decision, and the Task never sent.
        expect(outbox).toEqual([{ idempotency_key: taskKey(id), status: 'discarded' }]);
        expect(kinds).not.toContain('approved');
      }
    }
    expect(winners.size).toBeGreaterThan(0);
  }, 60_000);
});
