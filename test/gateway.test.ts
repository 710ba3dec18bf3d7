// The FHIR gateway over real HTTP against a FHIR server this project did not
// write (@medplum/fhir-router's in-memory repository): reads, searches across
// pages, idempotent creates, guarded updates, retries and refusals.
import type { Appointment, Observation, Patient, Slot } from '@medplum/fhirtypes';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EhrConfig } from '../src/ehr/config.ts';
import {
  createGateway,
  type FhirClient,
  type GatewayOptions,
} from '../src/ehr/gateway/fhir-client.ts';
import { EhrError, PORTAL_IDENTIFIER_SYSTEM } from '../src/ehr/gateway/gateway.ts';
import { backoffMs, DEFAULT_RETRY, parseRetryAfter } from '../src/ehr/gateway/retry.ts';
import { type FhirServer, type FhirServerOptions, startFhirServer } from './support/fhir-server.ts';

const MRN = 'urn:oid:1.2.36.146.595.217.0.1';
const open: FhirServer[] = [];
let ehr: FhirServer;
let gateway: FhirClient;

async function server(options: FhirServerOptions = {}): Promise<FhirServer> {
  const started = await startFhirServer(options);
  open.push(started);
  return started;
}

function gatewayFor(
  target: FhirServer,
  config: Partial<EhrConfig> = {},
  options: GatewayOptions = {},
): FhirClient {
  return createGateway(
    { baseUrl: target.baseUrl, auth: { kind: 'none' }, timeoutMs: 2000, ...config },
    { retry: { baseDelayMs: 5, maxDelayMs: 20 }, ...options },
  );
}

/** What the error says, or fails the test when nothing is thrown. */
async function refusal(work: Promise<unknown>): Promise<EhrError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EhrError);
  return err as EhrError;
}

async function addPatient(family: string, mrn: string): Promise<Patient & { id: string }> {
  return ehr.repo.createResource<Patient>({
    resourceType: 'Patient',
    name: [{ family, given: ['Ana'] }],
    identifier: [{ system: MRN, value: mrn }],
  });
}

const fhirRequests = (s: FhirServer, method?: string) =>
  s.requests.filter((r) => !method || r.method === method);

beforeEach(async () => {
  ehr = await server({ pageSize: 5 });
  gateway = gatewayFor(ehr);
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('reading and searching', () => {
  it('reads a resource, and answers null for one the EHR does not have', async () => {
    const patient = await addPatient('Reyes', 'MRN-1');
    const read = await gateway.read<Patient>('Patient', patient.id);
    expect(read?.id).toBe(patient.id);
    expect(read?.name?.[0]?.family).toBe('Reyes');
    expect(await gateway.read('Patient', 'no-such-patient')).toBeNull();
    expect(fhirRequests(ehr)[0]?.headers.accept).toBe('application/fhir+json');
  });

  it('follows next links across several pages', async () => {
    const patient = await addPatient('Okafor', 'MRN-2');
    for (let i = 0; i < 12; i++) {
      await ehr.repo.createResource<Observation>({
        resourceType: 'Observation',
        status: 'final',
        code: { text: `reading ${i}` },
        subject: { reference: `Patient/${patient.id}` },
      });
    }
    const pages: number[] = [];
    for await (const page of gateway.searchPages('Observation', {
      patient: `Patient/${patient.id}`,
    })) {
      pages.push(page.length);
    }
    expect(pages).toEqual([5, 5, 2]);

    const all = await gateway.search<Observation>('Observation', {
      patient: `Patient/${patient.id}`,
    });
    expect(new Set(all.map((o) => o.code.text)).size).toBe(12);
    expect(fhirRequests(ehr, 'GET').filter((r) => r.url.includes('_offset=10'))).toHaveLength(2);
  });

  it('stops fetching pages once it has the number asked for', async () => {
    const patient = await addPatient('Lind', 'MRN-3');
    for (let i = 0; i < 12; i++) {
      await ehr.repo.createResource<Observation>({
        resourceType: 'Observation',
        status: 'final',
        code: { text: `reading ${i}` },
        subject: { reference: `Patient/${patient.id}` },
      });
    }
    const some = await gateway.search('Observation', { patient: `Patient/${patient.id}` }, 7);
    expect(some).toHaveLength(7);
    expect(fhirRequests(ehr, 'GET')).toHaveLength(2);
  });

  it('refuses a next link to another address, and never calls it', async () => {
    const elsewhere = await server();
    const misdirected = await server({ pageSize: 2, publicBaseUrl: elsewhere.baseUrl });
    for (const family of ['A', 'B', 'C']) {
      await misdirected.repo.createResource<Patient>({
        resourceType: 'Patient',
        name: [{ family }],
      });
    }
    const err = await refusal(gatewayFor(misdirected).search('Patient', {}));
    expect(err.message).toMatch(/next page link for Patient points to another address/);
    expect(err.retryable).toBe(false);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('finds a patient by identifier; two with one identifier is an error, not a guess', async () => {
    const patient = await addPatient('Nakamura', 'MRN-4');
    expect((await gateway.findPatientByIdentifier(MRN, 'MRN-4'))?.id).toBe(patient.id);
    expect(await gateway.findPatientByIdentifier(MRN, 'MRN-unknown')).toBeNull();
    await addPatient('Nakamura', 'MRN-4');
    const err = await refusal(gateway.findPatientByIdentifier(MRN, 'MRN-4'));
    expect(err.status).toBe(409);
  });

  it('lists only free slots', async () => {
    const schedule = await ehr.repo.createResource({
      resourceType: 'Schedule',
      actor: [{ display: 'Dr. Vega' }],
    });
    for (const status of ['free', 'busy', 'free'] as const) {
      await ehr.repo.createResource<Slot>({
        resourceType: 'Slot',
        schedule: { reference: `Schedule/${schedule.id}` },
        status,
        start: '2026-12-01T09:00:00Z',
        end: '2026-12-01T09:20:00Z',
      });
    }
    const slots = await gateway.freeSlots({ schedule: `Schedule/${schedule.id}` });
    expect(slots.map((s) => s.status)).toEqual(['free', 'free']);
    expect(await gateway.schedules({})).toHaveLength(1);
  });
});

describe('writing', () => {
  it('creates a resource and returns it with the id and version the EHR gave', async () => {
    const created = await gateway.create<Patient>({
      resourceType: 'Patient',
      name: [{ family: 'Silva' }],
    });
    expect(created.id).toBeTruthy();
    expect(created.meta?.versionId).toBeTruthy();
    expect(
      (await ehr.repo.readResource<Patient>('Patient', created.id as string)).name?.[0]?.family,
    ).toBe('Silva');
  });

  it('makes one resource from a create sent twice with the same idempotency key', async () => {
    const appointment: Appointment = {
      resourceType: 'Appointment',
      status: 'booked',
      participant: [{ status: 'accepted', actor: { display: 'Dr. Vega' } }],
    };
    const first = await gateway.bookAppointment(appointment, { idempotencyKey: 'request-1' });
    const second = await gateway.bookAppointment(appointment, { idempotencyKey: 'request-1' });
    expect(second.id).toBe(first.id);
    expect(first.identifier).toContainEqual({
      system: PORTAL_IDENTIFIER_SYSTEM,
      value: 'request-1',
    });
    const stored = await ehr.repo.searchResources({ resourceType: 'Appointment' });
    expect(stored).toHaveLength(1);
    const sent = fhirRequests(ehr, 'POST')[0];
    expect(sent?.headers['if-none-exist']).toBe(
      `identifier=${encodeURIComponent(PORTAL_IDENTIFIER_SYSTEM)}|request-1`,
    );
    expect(sent?.headers['content-type']).toMatch(/^application\/fhir\+json/);
  });

  it('updates with If-Match, and turns a stale version into a clear 412 error', async () => {
    const patient = await addPatient('Haddad', 'MRN-5');
    const version = patient.meta?.versionId as string;
    const updated = await gateway.update<Patient>(
      { ...patient, gender: 'female' },
      { ifMatchVersion: version },
    );
    expect(updated.gender).toBe('female');
    expect(updated.meta?.versionId).not.toBe(version);
    expect(fhirRequests(ehr, 'PUT')[0]?.headers['if-match']).toBe(`W/"${version}"`);

    const err = await refusal(
      gateway.update<Patient>({ ...patient, gender: 'male' }, { ifMatchVersion: version }),
    );
    expect(err.status).toBe(412);
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(
      'The EHR answered 412 (precondition failed: the resource changed since it was read) to PUT Patient: Precondition Failed',
    );
    // The message names the request, never what the resource says.
    expect(err.message).not.toMatch(/Haddad|MRN-5|male/);
    expect((await ehr.repo.readResource<Patient>('Patient', patient.id)).gender).toBe('female');
  });

  it('cancels an appointment with If-Match, once', async () => {
    const booked = await ehr.repo.createResource<Appointment>({
      resourceType: 'Appointment',
      status: 'booked',
      participant: [{ status: 'accepted', actor: { display: 'Dr. Vega' } }],
    });
    const cancelled = await gateway.cancelAppointment(booked.id, 'Patient asked');
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelationReason?.text).toBe('Patient asked');
    expect(fhirRequests(ehr, 'PUT')[0]?.headers['if-match']).toBe(`W/"${booked.meta?.versionId}"`);
    const again = await gateway.cancelAppointment(booked.id, 'Patient asked');
    expect(again.meta?.versionId).toBe(cancelled.meta?.versionId);
    expect(fhirRequests(ehr, 'PUT')).toHaveLength(1);
  });
});

describe('when the EHR is unwell', () => {
  it('retries three 503s and then succeeds', async () => {
    const patient = await addPatient('Novak', 'MRN-6');
    ehr.faults = { failNext: 3, status: 503 };
    expect((await gateway.read<Patient>('Patient', patient.id))?.id).toBe(patient.id);
    expect(fhirRequests(ehr).map((r) => r.outcome)).toEqual(['failed', 'failed', 'failed', 'ok']);
  });

  it('gives up after the last try with a retryable error for the caller to schedule', async () => {
    ehr.faults = { failNext: 10, status: 500 };
    const err = await refusal(gateway.read('Patient', 'any'));
    expect(err).toMatchObject({ status: 500, retryable: true });
    expect(fhirRequests(ehr)).toHaveLength(DEFAULT_RETRY.maxAttempts);
  });

  it('waits as long as Retry-After asks before trying again', async () => {
    const patient = await addPatient('Mensah', 'MRN-7');
    ehr.faults = { failNext: 1, status: 429, retryAfter: 1 };
    expect((await gateway.read<Patient>('Patient', patient.id))?.id).toBe(patient.id);
    const [throttled, retried] = fhirRequests(ehr);
    expect(throttled?.outcome).toBe('failed');
    expect((retried?.at ?? 0) - (throttled?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('hands a long Retry-After back to the caller instead of waiting inside the request', async () => {
    ehr.faults = { failNext: 1, status: 503, retryAfter: 120 };
    const err = await refusal(gateway.read('Patient', 'any'));
    expect(err).toMatchObject({ status: 503, retryable: true, retryAfterSeconds: 120 });
    expect(fhirRequests(ehr)).toHaveLength(1);
  });

  it('times out a request that hangs and tries again', async () => {
    const patient = await addPatient('Ivanova', 'MRN-8');
    const impatient = gatewayFor(ehr, { timeoutMs: 300 });
    ehr.faults = { hangNext: 1 };
    expect((await impatient.read<Patient>('Patient', patient.id))?.id).toBe(patient.id);
    expect(fhirRequests(ehr).map((r) => r.outcome)).toEqual(['hung', 'ok']);
  });

  it('a create whose answer was lost is retried without making a second resource', async () => {
    const impatient = gatewayFor(ehr, { timeoutMs: 300 });
    // The EHR does the first create but the answer never arrives.
    ehr.faults = { hangNext: 1 };
    const created = await impatient.create<Patient>(
      { resourceType: 'Patient', name: [{ family: 'Osei' }] },
      { idempotencyKey: 'request-lost-answer' },
    );
    expect(fhirRequests(ehr, 'POST').map((r) => r.outcome)).toEqual(['hung', 'ok']);
    const stored = await ehr.repo.searchResources({ resourceType: 'Patient' });
    expect(stored.map((p) => p.id)).toEqual([created.id]);
  });

  it('an update whose answer was lost counts as done when the EHR holds our version', async () => {
    const patient = await addPatient('Kowalski', 'MRN-9');
    const impatient = gatewayFor(ehr, { timeoutMs: 300 });
    ehr.faults = { hangNext: 1 };
    const updated = await impatient.update<Patient>(
      { ...patient, gender: 'other' },
      { ifMatchVersion: patient.meta?.versionId },
    );
    expect(updated.gender).toBe('other');
    // The retry met our own new version (412); a read showed the change was in.
    expect(fhirRequests(ehr).map((r) => r.method)).toEqual(['PUT', 'PUT', 'GET']);
    const history = await ehr.repo.readHistory('Patient', patient.id);
    expect(history.entry).toHaveLength(2);
  });

  it('does not retry a 400', async () => {
    ehr.faults = { failNext: 1, status: 400 };
    const err = await refusal(gateway.read('Patient', 'any'));
    expect(err).toMatchObject({ status: 400, retryable: false });
    expect(fhirRequests(ehr)).toHaveLength(1);
  });

  it('does not repeat a create that has no idempotency key', async () => {
    ehr.faults = { failNext: 1, status: 503 };
    const err = await refusal(gateway.create<Patient>({ resourceType: 'Patient' }));
    expect(err.retryable).toBe(true);
    expect(fhirRequests(ehr)).toHaveLength(1);
  });

  it('reports an EHR it cannot reach as retryable, status 0', async () => {
    const gone = await server();
    const unreachable = gatewayFor(
      gone,
      {},
      { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } },
    );
    await gone.close();
    const err = await refusal(unreachable.read('Patient', 'any'));
    expect(err).toMatchObject({ status: 0, retryable: true });
    expect(err.message).toMatch(/^Could not reach the EHR for GET Patient/);
  });

  it('logs retries without PHI', async () => {
    const lines: string[] = [];
    const log = {
      warn: (details: object, message: string) => lines.push(JSON.stringify({ details, message })),
    };
    const logged = gatewayFor(ehr, {}, { log, retry: { baseDelayMs: 1, maxDelayMs: 1 } });
    ehr.faults = { failNext: 2, status: 502 };
    await logged.findPatientByIdentifier(MRN, 'MRN-SECRET-4711');
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toMatch(/4711|MRN|identifier/);
    expect(lines[0]).toMatch(/"ehrRequest":"search Patient"/);
  });
});

describe('with a static bearer token', () => {
  it('sends it, and reports a refused token as a 401 without retrying', async () => {
    const guarded = await server({ acceptToken: (t) => t === 'token-of-the-clinic' });
    const patient = await guarded.repo.createResource<Patient>({ resourceType: 'Patient' });
    const signedIn = gatewayFor(guarded, {
      auth: { kind: 'bearer', token: 'token-of-the-clinic' },
    });
    expect((await signedIn.read('Patient', patient.id))?.id).toBe(patient.id);
    expect(guarded.requests[0]?.headers.authorization).toBe('Bearer token-of-the-clinic');

    const wrong = gatewayFor(guarded, { auth: { kind: 'bearer', token: 'stale' } });
    const err = await refusal(wrong.read('Patient', patient.id));
    expect(err).toMatchObject({ status: 401, retryable: false });
    expect(guarded.requests).toHaveLength(2);
  });
});

describe('retry timing rules', () => {
  it('backs off exponentially with jitter, within bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, r) => {
          const ceiling = Math.min(
            DEFAULT_RETRY.maxDelayMs,
            DEFAULT_RETRY.baseDelayMs * 2 ** (attempt - 1),
          );
          const wait = backoffMs(attempt, DEFAULT_RETRY, () => r);
          expect(wait).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
          expect(wait).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
