// Mass assignment: no request body a patient can send may carry a role, a
// patient id or a clinic where the route does not declare one. Every route
// a patient (or proxy) may call with a body is found by walking the route
// table; each gets a valid-looking body built from its own schema plus the
// extra fields, and must answer 400 naming them, with nothing changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from './support/app.ts';
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

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

let t: TestApp;
let client: Client;
let user: { id: string };
let patientId: string;
let clinicId: string;
const db = () => t.database.db;

beforeAll(async () => {
  t = await testApp();
  clinicId = (await createClinic(db())).id;
  patientId = (await createPatient(db(), { clinicId })).id;
  // Both roles, so routes meant for either let the request reach validation.
  user = await createUser(db(), t.config, {
    roles: [
      { role: 'patient', clinicId: null },
      { role: 'proxy', clinicId: null },
    ],
    patientId,
  });
  client = await signedInClient(t, user);
});
afterAll(() => t.close());

/** Everything a forged field could change about the user. */
async function state() {
  const [account, roles, sessions, patient, grants] = await Promise.all([
    db().selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirst(),
    db().selectFrom('user_roles').selectAll().where('user_id', '=', user.id).execute(),
    db()
      .selectFrom('sessions')
      .select(['id', 'token_hash', 'acting_for_patient_id', 'ended_at', 'mfa_verified_at'])
      .where('user_id', '=', user.id)
      .execute(),
    db().selectFrom('patients').selectAll().where('id', '=', patientId).executeTakeFirst(),
    db().selectFrom('proxy_grants').selectAll().where('proxy_user_id', '=', user.id).execute(),
  ]);
  return { account, roles, sessions, patient, grants };
}

const bodyRoutes = () =>
  apiRoutes(t.app)
    .filter((r) => !SAFE.has(r.method) && admitsPatients(r))
    .map((r) => ({ route: r, schema: bodySchema(t.app, r) }))
    .filter((r): r is typeof r & { schema: JsonSchema } => r.schema !== undefined);

describe('request bodies a patient can send', () => {
  it('are found by walking the route table', () => {
    const found = bodyRoutes().map((r) => `${r.route.method} ${r.route.url}`);
    expect(found).toEqual(
      expect.arrayContaining(['PATCH /api/account', 'POST /api/session/acting-for']),
    );
  });

  it('are all closed objects (unknown fields are refused)', () => {
    for (const { route, schema } of bodyRoutes()) {
      expect(schema.type, `${route.method} ${route.url}`).toBe('object');
      expect(schema.additionalProperties, `${route.method} ${route.url}`).toBe(false);
    }
  });

  it('refuse role, patientId and clinicId where undeclared, naming them, and change nothing', async () => {
    for (const { route, schema } of bodyRoutes()) {
      const label = `${route.method} ${route.url}`;
      const extras = ['role', 'patientId', 'clinicId'].filter((f) => !schema.properties?.[f]);
      const forged = {
        ...(sample(schema) as Record<string, unknown>),
        ...Object.fromEntries(
          extras.map((f) => [
            f,
            f === 'role' ? 'system_admin' : f === 'clinicId' ? clinicId : patientId,
          ]),
        ),
      };
      const before = await state();
      const res = await client.request({
        method: route.method as 'POST',
        url: fillPath(route.url, {}),
        payload: forged,
      });
      expect(res.statusCode, `${label}: ${res.body}`).toBe(400);
      const error = res.json().error;
      expect(error.code, label).toBe('validation_failed');
      // Only the forged fields are wrong: the rest of the body was valid.
      const fields = (error.details as { field: string }[]).map((d) => d.field);
      expect(fields.sort(), label).toEqual([...extras].sort());
      expect(await state(), label).toEqual(before);
    }
  });
});
