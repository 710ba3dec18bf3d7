// Proxy access: staff grant and revoke it with limits on its length; the
// caregiver lists dependents and switches whom they act for, which rotates
// the session and is audited; a grant that ends stops working at once.
import fc from 'fast-check';
import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { birthday, grantProblem } from '../src/modules/patients/proxies.ts';
import { currentPatientId } from '../src/platform/auth/context.ts';
import { requirePatient } from '../src/platform/auth/scope.ts';
import { sessionCookieName } from '../src/platform/auth/sessions.ts';
import { type TestApp, testApp } from './support/app.ts';
import { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';

/** A patient-scoped read as later features will write it: the session's patient, checked. */
const probe: FastifyPluginAsync = async (app) => {
  app.get('/api/test/my-record', { config: { access: 'signed-in' } }, async (req) => {
    const auth = req.auth;
    const id = auth ? currentPatientId(auth) : null;
    if (!id) return { patientId: null };
    return { patientId: await requirePatient(t.database.db, req, id, { resourceType: 'Test' }) };
  });
};

let t: TestApp;
let clinicId: string;
let desk: Client;
let deskId: string;
const db = () => t.database.db;
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString();

beforeAll(async () => {
  t = await testApp({ plugins: [probe] });
  clinicId = (await createClinic(db())).id;
  const user = await createUser(db(), t.config, { roles: [{ role: 'front_desk', clinicId }] });
  deskId = user.id;
  desk = await signedInClient(t, user);
});
afterAll(() => t.close());

async function caregiver(options: { ownPatient?: boolean } = {}) {
  const own = options.ownPatient ? await createPatient(db(), { clinicId }) : undefined;
  const user = await createUser(db(), t.config, {
    roles: own ? [{ role: 'patient', clinicId: null }] : [],
    patientId: own?.id,
  });
  return { user, own };
}

const grant = (patientId: string, body: Record<string, unknown>, client = desk) =>
  client.post(`/api/staff/patients/${patientId}/proxies`, body);

const audits = (where: { actor?: string; action: string }) =>
  db()
    .selectFrom('audit_events')
    .selectAll()
    .$if(!!where.actor, (q) => q.where('actor_user_id', '=', where.actor as string))
    .where('action', '=', where.action as never)
    .orderBy('id')
    .execute();

describe('granting', () => {
  it('gives an existing account access, adds the proxy role, and audits the change', async () => {
    const child = await createPatient(db(), { clinicId, birthDate: '2015-05-05' });
    const { user } = await caregiver();
    const res = await grant(child.id, {
      proxyEmail: user.email.toUpperCase(),
      relationship: 'parent',
      expiresAt: inDays(365),
    });
    expect(res.statusCode).toBe(201);
    const row = await db()
      .selectFrom('proxy_grants')
      .selectAll()
      .where('id', '=', res.json().id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ proxy_user_id: user.id, patient_id: child.id, granted_by: deskId });
    const roles = await db()
      .selectFrom('user_roles')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(roles).toMatchObject([{ role: 'proxy', clinic_id: null }]);
    expect(await audits({ actor: deskId, action: 'privilege_change' })).toContainEqual(
      expect.objectContaining({
        resource_id: row.id,
        patient_id: child.id,
        outcome: 'success',
        details: expect.objectContaining({ change: 'proxy_granted', proxyUserId: user.id }),
      }),
    );
    const again = await grant(child.id, {
      proxyEmail: user.email,
      relationship: 'parent',
      expiresAt: inDays(30),
    });
    expect(again.statusCode).toBe(409);
  });

  it('needs an account for the e-mail, and says so', async () => {
    const patient = await createPatient(db(), { clinicId });
    const res = await grant(patient.id, {
      proxyEmail: 'nobody-here@example.org',
      relationship: 'caregiver',
      expiresAt: inDays(10),
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({
      code: 'no_account',
      message: 'No portal account uses that e-mail; the caregiver needs an account first.',
    });
    expect(await audits({ actor: deskId, action: 'privilege_change' })).toContainEqual(
      expect.objectContaining({ patient_id: patient.id, outcome: 'failure' }),
    );
  });

  it('refuses a staff account as the caregiver, the granting staff member above all, audited', async () => {
    const patient = await createPatient(db(), { clinicId });
    const nurse = await createUser(db(), t.config, {
      roles: [
        { role: 'patient', clinicId: null },
        { role: 'nurse', clinicId },
      ],
    });
    const deskEmail = await db()
      .selectFrom('users')
      .select('email')
      .where('id', '=', deskId)
      .executeTakeFirstOrThrow();
    const body = (proxyEmail: string) => ({
      proxyEmail,
      relationship: 'caregiver',
      expiresAt: inDays(30),
    });
    const self = await grant(patient.id, body(deskEmail.email));
    expect(self.statusCode).toBe(400);
    expect(self.json().error).toMatchObject({ code: 'own_account' });
    const colleague = await grant(patient.id, body(nurse.email));
    expect(colleague.statusCode).toBe(400);
    expect(colleague.json().error).toMatchObject({
      code: 'staff_account',
      message: expect.stringMatching(/staff account, which cannot be a caregiver/),
    });
    const grants = await db()
      .selectFrom('proxy_grants')
      .select('id')
      .where('patient_id', '=', patient.id)
      .execute();
    expect(grants).toEqual([]);
    const refusals = (await audits({ actor: deskId, action: 'privilege_change' })).filter(
      (a) => a.patient_id === patient.id,
    );
    expect(refusals.map((a) => [a.outcome, a.details])).toEqual([
      ['failure', { reason: 'own_account' }],
      ['failure', { reason: 'staff_account' }],
    ]);
    const roles = await db()
      .selectFrom('user_roles')
      .select('role')
      .where('user_id', 'in', [deskId, nurse.id])
      .where('role', '=', 'proxy')
      .execute();
    expect(roles).toEqual([]);
  });

  it.each([
    ['in the past', 'caregiver', -1, /in the future/],
    ['beyond five years', 'caregiver', 5 * 366, /at most 5 years/],
    [
      'past a minor’s 18th birthday for a parent',
      'parent',
      4 * 365,
      /18th birthday \(\d{4}-\d{2}-\d{2}\)/,
    ],
  ])('refuses an expiry %s', async (_, relationship, days, message) => {
    const birth = new Date(Date.now() - 16 * 365 * DAY).toISOString().slice(0, 10);
    const minor = await createPatient(db(), { clinicId, birthDate: birth });
    const { user } = await caregiver();
    const res = await grant(minor.id, {
      proxyEmail: user.email,
      relationship,
      expiresAt: inDays(days),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(message);
    expect(
      await db()
        .selectFrom('proxy_grants')
        .selectAll()
        .where('patient_id', '=', minor.id)
        .execute(),
    ).toEqual([]);
  });

  it('lets a parent’s grant run to the 18th birthday, and a caregiver’s beyond it', async () => {
    const birth = new Date(Date.now() - 16 * 365 * DAY).toISOString().slice(0, 10);
    const minor = await createPatient(db(), { clinicId, birthDate: birth });
    const parent = (await caregiver()).user;
    const adulthood = birthday(birth, 18).toISOString();
    expect(
      (
        await grant(minor.id, {
          proxyEmail: parent.email,
          relationship: 'parent',
          expiresAt: adulthood,
        })
      ).statusCode,
    ).toBe(201);
    const aunt = (await caregiver()).user;
    expect(
      (
        await grant(minor.id, {
          proxyEmail: aunt.email,
          relationship: 'caregiver',
          expiresAt: inDays(4 * 365),
        })
      ).statusCode,
    ).toBe(201);
  });

  it('is for front desk and clinic admins of the patient’s clinic only', async () => {
    const patient = await createPatient(db(), { clinicId });
    const { user } = await caregiver();
    const body = { proxyEmail: user.email, relationship: 'caregiver', expiresAt: inDays(30) };
    const nurse = await createUser(db(), t.config, { roles: [{ role: 'nurse', clinicId }] });
    expect((await grant(patient.id, body, await signedInClient(t, nurse))).statusCode).toBe(403);
    const elsewhere = await createUser(db(), t.config, {
      roles: [{ role: 'front_desk', clinicId: (await createClinic(db())).id }],
    });
    expect((await grant(patient.id, body, await signedInClient(t, elsewhere))).statusCode).toBe(
      404,
    );
    const res = await grant(patient.id, { ...body, clinicId });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('follows the rules for any birth date and expiry (property)', () => {
    const now = new Date('2026-06-15T12:00:00Z');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1930-01-01'), max: new Date('2026-06-14'), noInvalidDate: true }),
        fc.integer({ min: -400, max: 7 * 366 }),
        fc.constantFrom('parent', 'guardian', 'caregiver', 'other' as const),
        (born, days, relationship) => {
          const birthDate = born.toISOString().slice(0, 10);
          const expiresAt = new Date(now.getTime() + days * DAY);
          const problem = grantProblem({ relationship, expiresAt, birthDate }, now);
          const fiveYears = new Date('2031-06-15T12:00:00Z');
          const adult = birthday(birthDate, 18);
          const allowed =
            expiresAt > now &&
            expiresAt <= fiveYears &&
            !(relationship === 'parent' && now < adult && expiresAt > adult);
          expect(problem === null).toBe(allowed);
        },
      ),
    );
  });
});

describe('acting for a dependent', () => {
  async function family() {
    const child = await createPatient(db(), {
      clinicId,
      givenName: 'Kiddo',
      birthDate: '2018-01-01',
    });
    const { user, own } = await caregiver({ ownPatient: true });
    const res = await grant(child.id, {
      proxyEmail: user.email,
      relationship: 'parent',
      expiresAt: inDays(90),
    });
    const client = await signedInClient(t, user);
    return { child, user, own: own as { id: string }, client, grantId: res.json().id as string };
  }

  it('lists the caregiver’s own record and dependents', async () => {
    const { child, own, client } = await family();
    const res = await client.get('/api/account/dependents');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      self: { patientId: own.id },
      dependents: [{ patientId: child.id, name: { given: 'Kiddo' }, relationship: 'parent' }],
      actingForPatientId: null,
    });
  });

  it('switches with a new session token, audited, and later rows say "acting for"', async () => {
    const { child, user, client } = await family();
    const cookie = sessionCookieName(t.config);
    const oldToken = client.cookies.get(cookie);
    const res = await client.post('/api/session/acting-for', { patientId: child.id });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ actingForPatientId: child.id });
    expect(client.cookies.get(cookie)).not.toBe(oldToken);
    const stale = clientWithToken(oldToken as string);
    expect((await stale.get('/api/account/dependents')).statusCode).toBe(401);
    const session = await db()
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(session.acting_for_patient_id).toBe(child.id);
    expect(await audits({ actor: user.id, action: 'privilege_change' })).toMatchObject([
      { patient_id: child.id, acting_for_patient_id: child.id, resource_type: 'Session' },
    ]);
    expect((await client.get('/api/test/my-record')).json()).toEqual({ patientId: child.id });
    await client.get('/api/account/dependents');
    const [last] = (await audits({ actor: user.id, action: 'query' })).slice(-1);
    expect(last?.acting_for_patient_id).toBe(child.id);
    const back = await client.post('/api/session/acting-for', { patientId: null });
    expect(back.json()).toEqual({ actingForPatientId: null });
  });

  it('refuses a patient without a grant, audited', async () => {
    const { user, client } = await family();
    const stranger = await createPatient(db(), { clinicId });
    const res = await client.post('/api/session/acting-for', { patientId: stranger.id });
    expect(res.statusCode).toBe(404);
    expect(await audits({ actor: user.id, action: 'access_denied' })).toMatchObject([
      { patient_id: stranger.id, outcome: 'failure' },
    ]);
    const session = await db()
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(session.acting_for_patient_id).toBeNull();
  });

  it('stops at once when the grant expires mid-session: back on their own record', async () => {
    const { child, own, user, client, grantId } = await family();
    await client.post('/api/session/acting-for', { patientId: child.id });
    expect((await client.get('/api/test/my-record')).json()).toEqual({ patientId: child.id });
    await db()
      .updateTable('proxy_grants')
      .set({ granted_at: new Date(Date.now() - 2 * DAY), expires_at: new Date(Date.now() - DAY) })
      .where('id', '=', grantId)
      .execute();
    expect((await client.get('/api/test/my-record')).json()).toEqual({ patientId: own.id });
    expect((await client.get('/api/session')).json().actingForPatientId).toBeNull();
    expect((await client.get('/api/account/dependents')).json().dependents).toEqual([]);
    expect((await client.post('/api/session/acting-for', { patientId: child.id })).statusCode).toBe(
      404,
    );
    expect(await audits({ actor: user.id, action: 'access_denied' })).toHaveLength(1);
  });

  it('ends when staff revoke the grant: the caregiver is back on their own record', async () => {
    const { child, own, user, client, grantId } = await family();
    await client.post('/api/session/acting-for', { patientId: child.id });
    const res = await desk.delete(`/api/staff/patients/${child.id}/proxies/${grantId}`);
    expect(res.statusCode).toBe(204);
    const row = await db()
      .selectFrom('proxy_grants')
      .selectAll()
      .where('id', '=', grantId)
      .executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    expect((await client.get('/api/test/my-record')).json()).toEqual({ patientId: own.id });
    expect(await audits({ actor: deskId, action: 'privilege_change' })).toContainEqual(
      expect.objectContaining({
        resource_id: grantId,
        details: expect.objectContaining({ change: 'proxy_revoked', proxyUserId: user.id }),
      }),
    );
    expect(
      (await desk.delete(`/api/staff/patients/${child.id}/proxies/${grantId}`)).statusCode,
    ).toBe(404);
  });
});

function clientWithToken(token: string) {
  const client = new Client(t.app);
  client.cookies.set(sessionCookieName(t.config), token);
  return client;
}
