// Access control as a whole, from the route table of the fully built app:
// every route declares who may call it, only an allow-list is public, and
// every patient-scoped route refuses — and audits — patient A asking for
// patient B, a proxy whose grant to B has expired, and staff of another
// clinic. New routes are picked up by walking the table, so none is missed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF_ROLES } from '../src/modules/accounts/tables.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { admitsPatients, apiRoutes, bodySchema, fillPath, sample } from './support/routes.ts';

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

let t: TestApp;
const db = () => t.database.db;
interface Actor {
  name: string;
  id: string;
  client: Client;
}
let actors: Actor[];
let patientB: { id: string; family_name: string };
let expiredGrantId: string;
let proxy: Actor;

beforeAll(async () => {
  t = await testApp();
  const clinic = await createClinic(db());
  const elsewhere = await createClinic(db());
  const patientA = await createPatient(db(), { clinicId: clinic.id });
  patientB = await createPatient(db(), { clinicId: clinic.id, familyName: 'Bystander-Bee' });
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
  actors = [
    { name: 'patient A', id: userA.id, client: await signedInClient(t, userA) },
    proxy,
    {
      name: 'staff of another clinic',
      id: staffUser.id,
      client: await signedInClient(t, staffUser),
    },
  ];
});
afterAll(() => t.close());

const lastAuditId = async () =>
  Number(
    (
      await db()
        .selectFrom('audit_events')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst()
    )?.id ?? 0,
  );

const deniedSince = (since: number, actorId: string) =>
  db()
    .selectFrom('audit_events')
    .selectAll()
    .where('id', '>', since)
    .where('actor_user_id', '=', actorId)
    .where('action', '=', 'access_denied')
    .where('outcome', '=', 'failure')
    .execute();

/** Calls a route as the actor, with B's ids in the path and a valid-looking body. */
async function call(actor: Actor, method: string, url: string, body?: unknown) {
  return actor.client.request({
    method: method as 'GET',
    url: fillPath(url, { patientId: patientB.id, grantId: expiredGrantId }),
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
        const since = await lastAuditId();
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
    const since = await lastAuditId();
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
      const since = await lastAuditId();
      const res = await actor.client.post('/api/session/acting-for', { patientId: patientB.id });
      expect(res.statusCode, actor.name).toBe(404);
      expect(await deniedSince(since, actor.id), actor.name).not.toEqual([]);
    }
  });
});
