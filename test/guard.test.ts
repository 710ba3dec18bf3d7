// The one place access is decided: sessions from cookies, idle and absolute
// timeouts, second factor due, roles, and CSRF on state-changing requests.
import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from './support/app.ts';
import { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';

const routes: FastifyPluginAsync = async (app) => {
  app.post('/api/test/echo', { config: { access: 'public' } }, async () => ({ ok: true }));
  app.get('/api/test/nurses', { config: { access: { roles: ['nurse'] } } }, async () => ({
    ok: true,
  }));
  app.get('/api/test/anyone', { config: { access: 'signed-in' } }, async () => ({ ok: true }));
};

let t: TestApp;
let clinicId: string;
beforeAll(async () => {
  t = await testApp({ plugins: [routes] });
  clinicId = (await createClinic(t.database.db)).id;
});
afterAll(() => t.close());

const auditRows = (userId: string, action: string) =>
  t.database.db
    .selectFrom('audit_events')
    .selectAll()
    .where('actor_user_id', '=', userId)
    .where('action', '=', action as never)
    .execute();

describe('sessions', () => {
  it('tell an anonymous browser it is signed out and give it a CSRF token', async () => {
    const body = (await new Client(t.app).get('/api/session')).json();
    expect(body).toEqual({ signedIn: false, csrfToken: expect.any(String) });
  });

  it('describe a signed-in user', async () => {
    const nurse = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId }],
    });
    const client = await signedInClient(t, nurse);
    const body = (await client.get('/api/session')).json();
    expect(body).toMatchObject({
      signedIn: true,
      complete: true,
      user: { id: nurse.id, email: nurse.email },
    });
    expect(body.roles).toEqual([{ role: 'nurse', clinicId }]);
  });

  it('hold staff at the second factor until it is done', async () => {
    const nurse = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId }],
    });
    const client = await signedInClient(t, nurse, { mfaVerified: false });
    expect((await client.get('/api/session')).json()).toMatchObject({
      signedIn: true,
      complete: false,
    });
    const res = await client.get('/api/test/anyone');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('second_factor_required');
  });

  it('end after the idle timeout, audited, and answer 401 session_expired', async () => {
    const patient = await createPatient(t.database.db, { clinicId });
    const user = await createUser(t.database.db, t.config, {
      roles: [{ role: 'patient', clinicId }],
      patientId: patient.id,
    });
    const client = await signedInClient(t, user);
    expect((await client.get('/api/test/anyone')).statusCode).toBe(200);
    await t.database.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - 16 * 60_000) })
      .where('user_id', '=', user.id)
      .execute();
    const res = await client.get('/api/test/anyone');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('session_expired');
    expect(await auditRows(user.id, 'timeout')).toHaveLength(1);
    expect((await client.get('/api/test/anyone')).json().error.code).toBe('sign_in_required');
  });
});

describe('an idle session on a public route', () => {
  it('is ended and the request carries on signed out, saying why once', async () => {
    const nurse = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId }],
    });
    const client = await signedInClient(t, nurse);
    await t.database.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - 16 * 60_000) })
      .where('user_id', '=', nurse.id)
      .execute();
    const first = await client.get('/api/session');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ signedIn: false, signedOutReason: 'timeout' });
    expect((await client.get('/api/session')).json().signedOutReason).toBeUndefined();
    expect(await auditRows(nurse.id, 'timeout')).toHaveLength(1);
  });
});

describe('roles', () => {
  it('let a nurse in and refuse a patient, auditing the refusal', async () => {
    const nurse = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId }],
    });
    expect((await (await signedInClient(t, nurse)).get('/api/test/nurses')).statusCode).toBe(200);
    const patient = await createPatient(t.database.db, { clinicId });
    const user = await createUser(t.database.db, t.config, {
      roles: [{ role: 'patient', clinicId }],
      patientId: patient.id,
    });
    const res = await (await signedInClient(t, user)).get('/api/test/nurses');
    expect(res.statusCode).toBe(403);
    expect(await auditRows(user.id, 'access_denied')).toMatchObject([{ outcome: 'failure' }]);
  });
});

describe('CSRF', () => {
  it('refuses a state-changing request without the token', async () => {
    const res = await new Client(t.app).request({
      method: 'POST',
      url: '/api/test/echo',
      csrf: false,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('csrf_failed');
  });

  it('refuses a token from another browser', async () => {
    const other = new Client(t.app);
    await other.refreshCsrf();
    const client = new Client(t.app);
    await client.refreshCsrf();
    client.csrfToken = other.csrfToken;
    expect((await client.post('/api/test/echo')).statusCode).toBe(403);
  });

  it('lets the request through with the token', async () => {
    expect((await new Client(t.app).post('/api/test/echo')).json()).toEqual({ ok: true });
  });
});
