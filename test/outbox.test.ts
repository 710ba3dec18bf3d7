// Write-back through the outbox: a change queued with the portal's own change
// reaches the EHR exactly once, however the EHR misbehaves on the way; rows
// that cannot be sent are parked as dead for the desk, which can retry or
// discard them (audited); two workers never send one row twice.
import type { Communication } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGateway } from '../src/ehr/gateway/fhir-client.ts';
import {
  EhrError,
  type EhrGateway,
  PORTAL_IDENTIFIER_SYSTEM,
  type Resource,
  type WriteOptions,
} from '../src/ehr/gateway/gateway.ts';
import { NotYet, registerOutboxKind } from '../src/ehr/outbox/kinds.ts';
import { enqueue, nudgeOutbox, outboxStatusFor } from '../src/ehr/outbox/outbox.ts';
import {
  claimDue,
  DEFAULT_POLICY,
  describeFailure,
  drainOutbox,
  retryDelayMs,
  type SendPolicy,
  startOutboxWorker,
} from '../src/ehr/outbox/worker.ts';
import { type Database, openDatabase } from '../src/platform/db/database.ts';
import { createLogger } from '../src/platform/http/logging.ts';
import { startJobs } from '../src/platform/jobs/jobs.ts';
import { type TestApp, testApp } from './support/app.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';

let t: TestApp;
let ehr: FhirServer;
let clinic: { id: string; slug: string };
let otherClinic: { id: string };
let patient: { id: string };
const db = () => t.database.db;
const logger = createLogger('silent');

/** The gateway as the worker uses it, with short time-outs and few in-request retries. */
const gateway = () =>
  createGateway(
    { baseUrl: ehr.baseUrl, auth: { kind: 'none' }, timeoutMs: 400 },
    { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 } },
  );

/** Fast retries, so a test runs in seconds. */
const FAST: SendPolicy = { ...DEFAULT_POLICY, baseDelayMs: 10, maxDelayMs: 200, maxAttempts: 60 };

beforeAll(async () => {
  t = await testApp();
  ehr = await startFhirServer();
  clinic = await createClinic(db());
  otherClinic = await createClinic(db());
  patient = await createPatient(db(), { clinicId: clinic.id, familyName: 'Outboxfield' });
});
afterAll(async () => {
  await ehr?.close();
  await t?.close();
});
beforeEach(() => {
  ehr.faults = {};
});

let serial = 0;
/** A message for the EHR, as the messaging feature would queue it. */
function message(text = `Please call me back (${++serial})`): Communication {
  return {
    resourceType: 'Communication',
    status: 'in-progress',
    subject: { reference: 'Patient/ehr-1' },
    payload: [{ contentString: text }],
  };
}

async function queue(key: string, payload: unknown = message(), clinicId = clinic.id) {
  return db()
    .transaction()
    .execute((trx) =>
      enqueue(trx, {
        kind: 'fhir.create',
        clinicId,
        patientId: patient.id,
        payload,
        idempotencyKey: key,
      }),
    );
}

const row = (id: string) =>
  db().selectFrom('ehr_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** Makes every waiting row due now, instead of waiting out its back-off. */
const makeDue = () =>
  db()
    .updateTable('ehr_outbox')
    .set({ next_attempt_at: new Date(Date.now() - 1000) })
    .where('status', 'in', ['pending', 'failed'])
    .execute();

/** The EHR's resources carrying this idempotency key as the portal identifier. */
const inEhr = (key: string) =>
  gateway().search<Communication>('Communication', {
    identifier: `${PORTAL_IDENTIFIER_SYSTEM}|${key}`,
  });

async function until(what: string, probe: () => Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const unique = () => Math.random().toString(36).slice(2, 10);

describe('queuing', () => {
  it("commits with the portal's change, or not at all", async () => {
    const key = `atomic-${unique()}`;
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          await enqueue(trx, {
            kind: 'fhir.create',
            clinicId: clinic.id,
            patientId: patient.id,
            payload: message(),
            idempotencyKey: key,
          });
          throw new Error('the portal change failed');
        }),
    ).rejects.toThrow('the portal change failed');
    const rows = await db().selectFrom('ehr_outbox').where('idempotency_key', '=', key).execute();
    expect(rows).toHaveLength(0);
  });

  it('keeps one row per idempotency key', async () => {
    const key = `twice-${unique()}`;
    const first = await queue(key);
    const second = await queue(key);
    expect(second).toBe(first);
  });

  it('refuses an unknown kind and a payload its kind cannot send', async () => {
    await expect(
      enqueue(db(), { kind: 'no.such_kind', clinicId: clinic.id, payload: {} }),
    ).rejects.toThrow(/no outbox sender/i);
    await expect(
      enqueue(db(), { kind: 'fhir.create', clinicId: clinic.id, payload: { hello: 1 } }),
    ).rejects.toThrow(/FHIR resource/);
  });

  it("tells a feature what is still waiting for the clinic's system", async () => {
    const someone = await createPatient(db(), { clinicId: clinic.id });
    const id = await db()
      .transaction()
      .execute((trx) =>
        enqueue(trx, {
          kind: 'fhir.create',
          clinicId: clinic.id,
          patientId: someone.id,
          payload: message(),
        }),
      );
    expect(await outboxStatusFor(db(), someone.id)).toMatchObject({
      waiting: 1,
      stuck: 0,
      items: [{ id, kind: 'fhir.create', status: 'pending' }],
    });
    await drainOutbox(db(), gateway(), FAST);
    expect((await outboxStatusFor(db(), someone.id)).waiting).toBe(0);
  });
});

describe('sending while the EHR fails and hangs, then recovers', () => {
  it('puts each of 100 changes into the EHR exactly once; none lost, none doubled', async () => {
    await drainOutbox(db(), gateway(), FAST); // nothing left over from other tests
    const keys = Array.from({ length: 100 }, (_, i) => `fault-${i}-${unique()}`);
    for (const key of keys) await queue(key);
    // 500s first, then requests held until the client times out: the EHR
    // still does the work of those, but its answer is lost.
    ehr.faults = { failNext: 40, status: 500, hangNext: 12 };
    const before = ehr.requests.length;
    const worker = await startOutboxWorker({
      db: db(),
      gateway: gateway(),
      logger,
      policy: FAST,
      sweepMs: 50,
    });
    try {
      await until('the outbox to drain', async () => {
        const left = await db()
          .selectFrom('ehr_outbox')
          .select('id')
          .where('idempotency_key', 'in', keys)
          .where('status', 'in', ['pending', 'sending', 'failed'])
          .execute();
        return left.length === 0;
      });
    } finally {
      await worker.stop();
    }
    const outcomes = ehr.requests.slice(before).map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'failed')).toHaveLength(40);
    expect(outcomes.filter((o) => o === 'hung')).toHaveLength(12);

    const rows = await db()
      .selectFrom('ehr_outbox')
      .select(['idempotency_key', 'status', 'ehr_id', 'ehr_version', 'attempts'])
      .where('idempotency_key', 'in', keys)
      .execute();
    expect(rows).toHaveLength(100);
    expect(rows.filter((r) => r.status !== 'confirmed')).toEqual([]);
    expect(rows.some((r) => r.attempts > 1)).toBe(true);
    for (const r of rows) {
      const found = await inEhr(r.idempotency_key);
      expect(found, r.idempotency_key).toHaveLength(1);
      expect(found[0]?.id).toBe(r.ehr_id);
      expect(found[0]?.meta?.versionId).toBe(r.ehr_version);
    }
  });
});

describe('giving up', () => {
  it('parks a change the EHR refuses as dead at once, with the reason', async () => {
    const id = await queue(`refused-${unique()}`);
    ehr.faults = { failNext: 1, status: 422 };
    await drainOutbox(db(), gateway(), FAST);
    const r = await row(id);
    expect(r).toMatchObject({ status: 'dead', attempts: 1 });
    expect(r.last_error).toMatch(/^The EHR answered 422 .*to POST Communication/);
  });

  it('parks a change as dead after the last of N retryable failures, without patient data', async () => {
    const id = await queue(`down-${unique()}`, message('My name is Outboxfield, call 555 0100'));
    ehr.faults = { failNext: 1000, status: 503 };
    const policy = { ...FAST, maxAttempts: 3 };
    for (let i = 1; i <= 3; i++) {
      await drainOutbox(db(), gateway(), policy);
      expect((await row(id)).status).toBe(i < 3 ? 'failed' : 'dead');
      await makeDue();
    }
    const r = await row(id);
    expect(r.attempts).toBe(3);
    expect(r.last_error).toMatch(/^The EHR answered 503/);
    expect(r.last_error).not.toMatch(/Outboxfield|555/);
  });

  it('does not count a "not yet" from the kind as an attempt, nor back off further', async () => {
    // A kind that waits on something of the portal's own until told to go.
    let ready = false;
    registerOutboxKind('test.waits', {
      async send(item) {
        if (!ready) throw new NotYet('Waiting for the change before this one');
        return { resourceType: 'Communication', id: `sent-${item.id}` };
      },
    });
    const id = await db()
      .transaction()
      .execute((trx) =>
        enqueue(trx, {
          kind: 'test.waits',
          clinicId: clinic.id,
          payload: {},
          idempotencyKey: `waits-${unique()}`,
        }),
      );
    const policy = { ...FAST, maxAttempts: 2, baseDelayMs: 60_000, maxDelayMs: 3_600_000 };
    for (let i = 0; i < 5; i++) {
      const before = Date.now();
      const result = await drainOutbox(db(), gateway(), policy);
      expect(result).toMatchObject({ waiting: 1, failed: 0, dead: 0 });
      const r = await row(id);
      expect(r).toMatchObject({ status: 'pending', attempts: 0 });
      expect(r.last_error).toMatch(/Waiting for the change before this one/);
      // Due again after the first delay every time (30–60 s), never a doubled one.
      const wait = r.next_attempt_at.getTime() - before;
      expect(wait).toBeGreaterThan(25_000);
      expect(wait).toBeLessThan(65_000);
      await makeDue();
    }
    ready = true;
    await drainOutbox(db(), gateway(), policy);
    expect(await row(id)).toMatchObject({ status: 'confirmed', attempts: 1 });
  });

  it('waits longer after each failure, with jitter, up to the cap, never before Retry-After', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 7200 }), { nil: undefined }),
        (attempts, r, retryAfter) => {
          const policy = { baseDelayMs: 5000, maxDelayMs: 30 * 60_000 };
          const delay = retryDelayMs(attempts, policy, () => r, retryAfter);
          const ceiling = Math.min(5000 * 2 ** (attempts - 1), policy.maxDelayMs);
          expect(delay).toBeLessThanOrEqual(
            Math.max(ceiling, Math.min((retryAfter ?? 0) * 1000, policy.maxDelayMs)),
          );
          expect(delay).toBeGreaterThanOrEqual(Math.round(ceiling / 2));
          if (retryAfter !== undefined)
            expect(delay).toBeGreaterThanOrEqual(Math.min(retryAfter * 1000, policy.maxDelayMs));
        },
      ),
    );
  });

  it('keeps quoted values, addresses and numbers out of the reason', () => {
    const text = describeFailure(
      new EhrError('Invalid value "Ana Lopez" for jane@example.org, phone 555-0100-22', 422),
    );
    expect(text).toBe('EHR answered 422: Invalid value "…" for …@…, phone …');
    expect(
      describeFailure(new EhrError('The EHR answered 503 (unavailable) to GET Patient', 503)),
    ).toBe('The EHR answered 503 (unavailable) to GET Patient');
    expect(describeFailure(new TypeError('x is undefined'))).toMatch(/^Unexpected error/);
  });
});

describe('the outbox desk', () => {
  let admin: Awaited<ReturnType<typeof signedInClient>>;
  let adminId: string;
  let dead: string;
  let deadToo: string;

  beforeAll(async () => {
    const user = await createUser(db(), t.config, {
      roles: [{ role: 'clinic_admin', clinicId: clinic.id }],
    });
    adminId = user.id;
    admin = await signedInClient(t, user);
    dead = await queue(`desk-${unique()}`);
    deadToo = await queue(`desk-${unique()}`);
    ehr.faults = { failNext: 2, status: 422 };
    await drainOutbox(db(), gateway(), FAST);
    ehr.faults = {};
  });

  const auditFor = (id: string) =>
    db()
      .selectFrom('audit_events')
      .selectAll()
      .where('resource_type', '=', 'EhrOutbox')
      .where('resource_id', '=', id)
      .execute();

  it('lists dead changes of the clinic with the reason, no payload, and counts', async () => {
    const res = await admin.get(`/api/admin/outbox?status=dead&clinicId=${clinic.id}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const item = body.items.find((i: { id: string }) => i.id === dead);
    expect(item).toMatchObject({
      kind: 'fhir.create',
      status: 'dead',
      attempts: 1,
      patientId: patient.id,
      clinic: { id: clinic.id },
      nextAttemptAt: null,
    });
    expect(item.lastError).toMatch(/^The EHR answered 422/);
    expect(item).not.toHaveProperty('payload');
    expect(body.counts.dead).toBeGreaterThanOrEqual(2);
    const query = await db()
      .selectFrom('audit_events')
      .select('details')
      .where('actor_user_id', '=', adminId)
      .where('resource_type', '=', 'EhrOutbox')
      .where('action', '=', 'query')
      .execute();
    expect(query.length).toBeGreaterThan(0);
  });

  it('retries a dead change (audited), which then goes through', async () => {
    const res = await admin.post(`/api/admin/outbox/${dead}/retry`);
    expect(res.statusCode).toBe(200);
    expect(await row(dead)).toMatchObject({ status: 'pending', attempts: 0, handled_by: adminId });
    const [event] = await auditFor(dead);
    expect(event).toMatchObject({
      action: 'update',
      actor_user_id: adminId,
      patient_id: patient.id,
      clinic_id: clinic.id,
      details: { operation: 'retry', kind: 'fhir.create', previousStatus: 'dead' },
    });
    await drainOutbox(db(), gateway(), FAST);
    expect((await row(dead)).status).toBe('confirmed');
    expect((await admin.post(`/api/admin/outbox/${dead}/retry`)).statusCode).toBe(409);
    expect((await admin.post(`/api/admin/outbox/${dead}/discard`, { note: 'x' })).statusCode).toBe(
      409,
    );
  });

  it('discards a change only with a note (audited, the note kept out of the audit)', async () => {
    expect((await admin.post(`/api/admin/outbox/${deadToo}/discard`, {})).statusCode).toBe(400);
    expect(
      (await admin.post(`/api/admin/outbox/${deadToo}/discard`, { note: '   ' })).statusCode,
    ).toBe(400);
    const note = 'Entered by phone in the EHR already';
    const res = await admin.post(`/api/admin/outbox/${deadToo}/discard`, { note });
    expect(res.statusCode).toBe(200);
    expect(await row(deadToo)).toMatchObject({ status: 'discarded', note, handled_by: adminId });
    const [event] = await auditFor(deadToo);
    expect(event?.details).toEqual({
      operation: 'discard',
      kind: 'fhir.create',
      previousStatus: 'dead',
    });
    await drainOutbox(db(), gateway(), FAST);
    expect((await row(deadToo)).status).toBe('discarded');
  });

  it("keeps another clinic's admin and other roles away", async () => {
    const stranger = await signedInClient(
      t,
      await createUser(db(), t.config, {
        roles: [{ role: 'clinic_admin', clinicId: otherClinic.id }],
      }),
    );
    const mine = (await stranger.get('/api/admin/outbox')).json();
    expect(mine.items.filter((i: { clinic: { id: string } }) => i.clinic.id === clinic.id)).toEqual(
      [],
    );
    expect((await stranger.get(`/api/admin/outbox?clinicId=${clinic.id}`)).statusCode).toBe(403);
    const id = await queue(`stranger-${unique()}`);
    expect((await stranger.post(`/api/admin/outbox/${id}/retry`)).statusCode).toBe(404);
    const refusal = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('resource_id', '=', id)
      .where('action', '=', 'access_denied')
      .executeTakeFirst();
    expect(refusal).toBeDefined();
    const nurse = await signedInClient(
      t,
      await createUser(db(), t.config, { roles: [{ role: 'nurse', clinicId: clinic.id }] }),
    );
    expect((await nurse.get('/api/admin/outbox')).statusCode).toBe(403);
    expect((await nurse.post(`/api/admin/outbox/${id}/retry`)).statusCode).toBe(403);
    expect(
      (await admin.post(`/api/admin/outbox/${id}/discard`, { note: 'n', status: 'confirmed' }))
        .statusCode,
    ).toBe(400);
  });
});

describe('several workers', () => {
  let second: Database | undefined;
  afterAll(async () => {
    if (second) await second.close();
  });

  it('never claim one row twice, and never send one twice', async () => {
    await drainOutbox(db(), gateway(), FAST);
    // A second instance: its own connection pool on the server, the same database embedded.
    second = t.database.url
      ? await openDatabase({ databaseUrl: t.database.url, dataDir: '' })
      : undefined;
    const otherDb = second?.db ?? db();
    const keys = Array.from({ length: 40 }, (_, i) => `pair-${i}-${unique()}`);
    for (const key of keys) await queue(key);
    const policy = { ...FAST, batch: 5 };
    const [a, b] = await Promise.all([claimDue(db(), policy), claimDue(otherDb, policy)]);
    const claimedIds = [...(a ?? []), ...(b ?? [])].map((r) => r.id);
    expect(new Set(claimedIds).size).toBe(claimedIds.length);
    // Let the claimed rows be taken again at once, then race two drains over everything.
    await db()
      .updateTable('ehr_outbox')
      .set({ status: 'pending', next_attempt_at: new Date(Date.now() - 1000) })
      .where('id', 'in', claimedIds)
      .execute();
    // Every send the workers make, counted where they hand it to the gateway.
    const sends = new Map<string, number>();
    const counting = (inner: EhrGateway): EhrGateway =>
      new Proxy(inner, {
        get(target, prop, receiver) {
          if (prop !== 'create') return Reflect.get(target, prop, receiver);
          return (resource: Resource, options?: WriteOptions) => {
            const key = options?.idempotencyKey ?? '';
            sends.set(key, (sends.get(key) ?? 0) + 1);
            return target.create(resource, options);
          };
        },
      });
    const steady = () =>
      createGateway(
        { baseUrl: ehr.baseUrl, auth: { kind: 'none' }, timeoutMs: 10_000 },
        { retry: { maxAttempts: 1 } },
      );
    await Promise.all([
      drainOutbox(db(), counting(steady()), policy),
      drainOutbox(otherDb, counting(steady()), policy),
    ]);
    for (const key of keys) {
      expect(sends.get(key), key).toBe(1);
      expect(await inEhr(key)).toHaveLength(1);
    }
  });
});

describe('the worker on pg-boss', () => {
  it('sends at once when nudged after a commit, without waiting for the sweep', async () => {
    const jobs = await startJobs(t.database, logger);
    const worker = await startOutboxWorker({
      db: db(),
      gateway: gateway(),
      logger,
      jobs,
      policy: FAST,
      sweepMs: 3_600_000,
    });
    try {
      const key = `nudged-${unique()}`;
      const id = await queue(key);
      nudgeOutbox(jobs);
      await until('the nudged change to be confirmed', async () => {
        return (await row(id)).status === 'confirmed';
      });
      expect(await inEhr(key)).toHaveLength(1);
    } finally {
      await worker.stop();
      await jobs.stop(5000);
    }
  });
});
