// Access control as a whole, from the route table of the fully built app:
// every route declares who may call it, only an allow-list is public, and
// every patient-scoped route refuses — and audits — patient A asking for
// patient B, a patient whose session row claims to act for B, a proxy whose
// grant to B has expired, and staff of another clinic. B's ids are tried in
// the path, in query strings and in bodies. New routes are picked up by
// walking the table and its OpenAPI document, so none is missed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF_ROLES } from '../src/modules/accounts/tables.ts';
import { audit } from '../src/platform/audit/audit.ts';
import type { RouteEntry } from '../src/platform/http/access.ts';
import { type TestApp, testApp } from './support/app.ts';
import { lastAuditId } from './support/audit.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import {
  admitsPatients,
  apiRoutes,
  bodySchema,
  fillPath,
  type JsonSchema,
  sample,
} from './support/routes.ts';

/** Every route reachable without a session. Adding one is a deliberate change here. */
const PUBLIC_ROUTES = [
  'GET /*',
  'GET /api/clinics',
  'GET /api/clinics/:slug',
  'GET /api/docs',
  'GET /api/docs/json',
  'GET /api/docs/static/*',
  'GET /api/docs/static/index.html',
  'GET /api/docs/static/swagger-initializer.js',
  'GET /api/docs/yaml',
  'GET /api/session',
  'GET /healthz',
  'GET /metrics',
  'GET /readyz',
  'POST /api/account/email/confirm',
  'POST /api/activation',
  'POST /api/activation/check',
  'POST /api/password/forgot',
  'POST /api/password/reset',
  'POST /api/session',
  'POST /api/session/passkey',
  'POST /api/session/passkey/options',
];

/** Error codes that refuse access to a record (as opposed to "that does not exist" for a catalogue item). */
const ACCESS_REFUSALS = ['not_found', 'forbidden'];
/**
 * Answers about the actor's own clinic, not B's: patients A and B share one,
 * so B's clinic id in a body is A's own (its refusals below need no audit).
 */
const OWN_CLINIC_ANSWERS = ['topic_not_offered'];

let t: TestApp;
const db = () => t.database.db;
interface Actor {
  name: string;
  id: string;
  client: Client;
  /** Runs before each call (to forge the session row again). */
  prepare?: () => Promise<void>;
}
let actors: Actor[];
let patientB: { id: string; family_name: string };
let userB: { id: string };
let clinicOfB: { id: string };
let expiredGrantId: string;
let proxy: Actor;
let forged: Actor;
/** What must never show to these actors: B's name, and who on staff looked at B. */
const B_FOOTPRINT = () => [patientB.family_name, 'Nurse Of-Bee'];

beforeAll(async () => {
  t = await testApp();
  const clinic = await createClinic(db());
  clinicOfB = clinic;
  const elsewhere = await createClinic(db());
  const patientA = await createPatient(db(), { clinicId: clinic.id });
  patientB = await createPatient(db(), { clinicId: clinic.id, familyName: 'Bystander-Bee' });
  // B has an account (locked, so the desk of B's clinic could unlock it) and
  // an access log: a nurse of B's clinic opened the record.
  userB = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patientB.id,
  });
  await db()
    .updateTable('users')
    .set({ locked_until: new Date(Date.now() + 3_600_000), failed_sign_ins: 9 })
    .where('id', '=', userB.id)
    .execute();
  const nurseOfB = await createUser(db(), t.config, {
    roles: [{ role: 'nurse', clinicId: clinic.id }],
    name: 'Nurse Of-Bee',
  });
  await audit(
    db(),
    {
      actorUserId: nurseOfB.id,
      actorRole: 'nurse',
      actorName: 'Nurse Of-Bee',
      actingForPatientId: null,
      ip: null,
      userAgent: null,
      requestId: null,
    },
    { action: 'view', resourceType: 'Patient', patientId: patientB.id, clinicId: clinic.id },
  );
  const patientA2 = await createPatient(db(), { clinicId: clinic.id });
  const userA2 = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patientA2.id,
  });
  const userA = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patientA.id,
  });
  const proxyUser = await createUser(db(), t.config, {
    roles: [{ role: 'proxy', clinicId: null }],
  });
  const staffUser = await createUser(db(), t.config, {
    roles: STAFF_ROLES.map((role) => ({ role, clinicId: elsewhere.id })),
  });
  const granted = await db()
    .insertInto('proxy_grants')
    .values({
      proxy_user_id: proxyUser.id,
      patient_id: patientB.id,
      relationship: 'caregiver',
      granted_at: new Date(Date.now() - 10 * 86_400_000),
      expires_at: new Date(Date.now() - 86_400_000),
      granted_by: staffUser.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  expiredGrantId = granted.id;
  proxy = {
    name: 'a proxy whose grant to B expired',
    id: proxyUser.id,
    client: await signedInClient(t, proxyUser, { actingForPatientId: patientB.id }),
  };
  forged = {
    name: 'a patient whose session row says it acts for B',
    id: userA2.id,
    client: await signedInClient(t, userA2),
    prepare: () => forgeActingFor(userA2.id, patientB.id),
  };
  actors = [
    { name: 'patient A', id: userA.id, client: await signedInClient(t, userA) },
    forged,
    proxy,
    {
      name: 'staff of another clinic',
      id: staffUser.id,
      client: await signedInClient(t, staffUser),
    },
  ];
});
afterAll(() => t.close());

const deniedSince = (since: number, actorId: string) =>
  db()
    .selectFrom('audit_events')
    .selectAll()
    .where('id', '>', since)
    .where('actor_user_id', '=', actorId)
    .where('action', '=', 'access_denied')
    .where('outcome', '=', 'failure')
    .execute();

/** Sets acting-for in the session row directly, as if the session table were tampered with. */
async function forgeActingFor(userId: string, patientId: string) {
  await db()
    .updateTable('sessions')
    .set({ acting_for_patient_id: patientId })
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .execute();
}

/** B's ids, by the name a route gives the input. */
const bIds = (): Record<string, string> => ({
  patientId: patientB.id,
  userId: userB.id,
  clinicId: clinicOfB.id,
  grantId: expiredGrantId,
});

/** Calls a route as the actor, with B's ids in the path and a valid-looking body. */
async function call(actor: Actor, method: string, url: string, body?: unknown) {
  await actor.prepare?.();
  return actor.client.request({
    method: method as 'GET',
    url: fillPath(url, bIds()),
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
}

describe('the route table', () => {
  it('gives every route an access declaration', () => {
    expect(t.app.routeTable.length).toBeGreaterThan(20);
    for (const r of t.app.routeTable) expect(r.access, `${r.method} ${r.url}`).toBeDefined();
  });

  it('makes exactly the allow-listed routes public', () => {
    const open = t.app.routeTable
      .filter((r) => r.access === 'public' && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url}`);
    expect(open.sort()).toEqual([...PUBLIC_ROUTES].sort());
  });
});

describe('patient-scoped routes refuse and audit', () => {
  const scoped = () => apiRoutes(t.app).filter((r) => r.url.includes(':patientId'));

  it('are found by walking the table', () => {
    expect(scoped().map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'GET /api/staff/patients/:patientId',
        'POST /api/staff/patients/:patientId/proxies',
      ]),
    );
  });

  it('every one, for every actor', async () => {
    const refusals: string[] = [];
    for (const route of scoped()) {
      const schema = bodySchema(t.app, route);
      for (const actor of actors) {
        const since = await lastAuditId(db());
        const res = await call(actor, route.method, route.url, schema && sample(schema));
        const label = `${route.method} ${route.url} as ${actor.name}`;
        expect([403, 404], `${label}: ${res.body}`).toContain(res.statusCode);
        expect(res.body, label).not.toContain(patientB.family_name);
        expect(await deniedSince(since, actor.id), label).not.toEqual([]);
        refusals.push(label);
      }
    }
    expect(refusals.length).toBe(scoped().length * actors.length);
  });
});

describe('the session’s own patient endpoints, for a proxy whose grant expired', () => {
  it('put the proxy back on their own record: no access log of B', async () => {
    // The expired grant is dropped from the session, so the log asked for is
    // the proxy's own, and a proxy without a record of their own has none.
    const res = await call(proxy, 'GET', '/api/account/access-log');
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain(patientB.family_name);
  });

  it('refuse acting for B again, audited', async () => {
    const since = await lastAuditId(db());
    const res = await call(proxy, 'POST', '/api/session/acting-for', { patientId: patientB.id });
    expect(res.statusCode).toBe(404);
    expect(await deniedSince(since, proxy.id)).not.toEqual([]);
  });

  it('no longer list B among the dependents', async () => {
    const res = await proxy.client.get('/api/account/dependents');
    expect(res.statusCode).toBe(200);
    expect(res.json().dependents).toEqual([]);
  });

  it('show nothing of B on any page a proxy can open', async () => {
    for (const route of apiRoutes(t.app).filter((r) => r.method === 'GET' && admitsPatients(r))) {
      const res = await call(proxy, 'GET', route.url);
      expect(res.body, route.url).not.toContain(patientB.family_name);
    }
  });

  it('refuse acting for B to patient A and to other staff too, audited', async () => {
    for (const actor of actors) {
      const since = await lastAuditId(db());
      const res = await actor.client.post('/api/session/acting-for', { patientId: patientB.id });
      expect(res.statusCode, actor.name).toBe(404);
      expect(await deniedSince(since, actor.id), actor.name).not.toEqual([]);
    }
  });
});

interface OpenApiParameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
}

function operation(route: RouteEntry): OpenApiOperation | undefined {
  const doc = t.app.swagger() as unknown as {
    paths: Record<string, Record<string, OpenApiOperation>>;
  };
  return doc.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
}

/** A valid value for every required query parameter, so the route gets past validation to its scope check. */
const requiredQuery = (route: RouteEntry): [string, string][] =>
  (operation(route)?.parameters ?? [])
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => [p.name, String(sample(p.schema ?? {}))]);

/** Where a route takes one of B's ids outside a :patientId path: "path userId", "query patientId"… */
function idInputs(route: RouteEntry): string[] {
  const ids = bIds();
  const op = operation(route);
  const path = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
  const query = (op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  const body = Object.keys(bodySchema(t.app, route)?.properties ?? {});
  return [
    ...path.filter((n) => n in ids).map((n) => `path ${n}`),
    ...query.filter((n) => n in ids).map((n) => `query ${n}`),
    ...body.filter((n) => n in ids).map((n) => `body ${n}`),
  ];
}

describe('ids in query strings, bodies and other path parameters', () => {
  const walked = () =>
    apiRoutes(t.app)
      .filter((r) => !r.url.includes(':patientId')) // walked above
      .map((route) => ({ route, label: `${route.method} ${route.url}`, inputs: idInputs(route) }))
      .filter((r) => r.inputs.length > 0);

  it('are found by walking the table', () => {
    expect(walked().map((r) => `${r.label}: ${r.inputs.join(', ')}`)).toEqual(
      expect.arrayContaining([
        'GET /api/audit/events: query patientId, query userId',
        'GET /api/audit/events.csv: query patientId, query userId',
        'POST /api/staff/accounts/:userId/unlock: path userId',
        'POST /api/staff/patients/search: body clinicId',
        'POST /api/staff/ehr-patients/search: body clinicId',
        'POST /api/staff/ehr-patients/link: body clinicId',
        'POST /api/session/acting-for: body patientId',
      ]),
    );
  });

  it('never show B to any actor; a refusal is audited', async () => {
    const ids = bIds();
    const outcome = new Map<string, number>();
    for (const { route, label, inputs } of walked()) {
      // B's ids replace the sample values of the same name.
      const query = new URLSearchParams(
        Object.fromEntries([
          ...requiredQuery(route),
          ...inputs
            .filter((i) => i.startsWith('query '))
            .map((i) => [i.slice(6), ids[i.slice(6)] as string]),
        ]),
      );
      const schema = bodySchema(t.app, route);
      const body = schema && {
        ...(sample(schema) as Record<string, unknown>),
        ...Object.fromEntries(
          inputs.filter((i) => i.startsWith('body ')).map((i) => [i.slice(5), ids[i.slice(5)]]),
        ),
      };
      const url = `${route.url}${query.size ? `?${query}` : ''}`;
      for (const actor of actors) {
        const since = await lastAuditId(db());
        const res = await call(actor, route.method, url, body);
        const as = `${label} as ${actor.name}`;
        if (!(res.statusCode === 409 && OWN_CLINIC_ANSWERS.includes(res.json().error?.code)))
          expect([200, 403, 404], `${as}: ${res.body}`).toContain(res.statusCode);
        for (const trace of B_FOOTPRINT()) expect(res.body, as).not.toContain(trace);
        // A refusal of access is audited; "no such visit type" is an answer, not a refusal.
        if (res.statusCode !== 200 && ACCESS_REFUSALS.includes(res.json().error?.code))
          expect(await deniedSince(since, actor.id), as).not.toEqual([]);
        outcome.set(as, res.statusCode);
      }
    }
    const staff = 'staff of another clinic';
    const expected: [string, number][] = [
      ['GET /api/audit/events as patient A', 403],
      ['GET /api/audit/events as a proxy whose grant to B expired', 403],
      ['GET /api/audit/events.csv as a patient whose session row says it acts for B', 403],
      // Their compliance role is for their own clinic: answered within it, without B.
      [`GET /api/audit/events as ${staff}`, 200],
      [`POST /api/staff/accounts/:userId/unlock as ${staff}`, 404],
      ['POST /api/staff/accounts/:userId/unlock as patient A', 403],
      [`POST /api/staff/patients/search as ${staff}`, 403],
      [`POST /api/staff/ehr-patients/search as ${staff}`, 403],
      [`POST /api/staff/ehr-patients/link as ${staff}`, 403],
      ['POST /api/staff/patients/search as a proxy whose grant to B expired', 403],
      ...actors.map((a): [string, number] => [`POST /api/session/acting-for as ${a.name}`, 404]),
    ];
    for (const [as, status] of expected) expect(outcome.get(as), as).toBe(status);
    const unlocked = await db()
      .selectFrom('users')
      .select('locked_until')
      .where('id', '=', userB.id)
      .executeTakeFirstOrThrow();
    expect(unlocked.locked_until).not.toBeNull();
  });
});

describe('a session row forged to act for B (no grant)', () => {
  it('is put back on the patient’s own record by the scope check: no access log of B', async () => {
    await forged.prepare?.();
    const res = await forged.client.get('/api/account/access-log');
    expect(res.statusCode).toBe(200);
    for (const trace of B_FOOTPRINT()) expect(res.body).not.toContain(trace);
    const session = await db()
      .selectFrom('sessions')
      .select('acting_for_patient_id')
      .where('user_id', '=', forged.id)
      .where('ended_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(session.acting_for_patient_id).toBeNull();
  });

  it('shows nothing of B on any page a patient can open', async () => {
    for (const route of apiRoutes(t.app).filter((r) => r.method === 'GET' && admitsPatients(r))) {
      const res = await call(forged, 'GET', route.url);
      for (const trace of B_FOOTPRINT()) expect(res.body, route.url).not.toContain(trace);
    }
  });
});
