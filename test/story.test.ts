// The story, end to end through the API only: the front desk issues
// an activation code, the patient activates, sets up an authenticator app,
// signs out, signs in with password and code, is signed out after idle time,
// and signs in again with a recovery code; then sees the desk's work in
// "who accessed my record", and the audit trail still verifies.
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditChainKey, sealAudit, verifyAudit } from '../src/platform/audit/chain.ts';
import { type TestApp, testApp } from './support/app.ts';
import { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';

let t: TestApp;
const db = () => t.database.db;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const PASSWORD = 'plum orchards hum at dusk';

/** The code after the last one used (a code counts once), valid now. */
async function nextCode(secret: string, userId: string) {
  const { totp_last_step: last } = await db()
    .selectFrom('users')
    .select('totp_last_step')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  const epoch = last === null ? Math.floor(Date.now() / 1000) : (last + 1) * 30;
  return generateSync({ secret, epoch });
}

const events = (userId: string) =>
  db()
    .selectFrom('audit_events')
    .select(['action', 'outcome', 'resource_type', 'details'])
    .where('actor_user_id', '=', userId)
    .orderBy('id')
    .execute();

describe("the issue's story", () => {
  it('activation → TOTP → sign-out → password + TOTP → idle sign-out → recovery code', async () => {
    const clinic = await createClinic(db(), 'Storybrook Clinic');
    const patient = await createPatient(db(), {
      clinicId: clinic.id,
      givenName: 'Rosa',
      familyName: 'Storey',
      birthDate: '1984-06-30',
    });
    const deskUser = await createUser(db(), t.config, {
      roles: [{ role: 'front_desk', clinicId: clinic.id }],
      name: 'Frank Frontdesk',
    });
    const desk = await signedInClient(t, deskUser);

    // The front desk issues a code and hands over the letter.
    const issued = await desk.post(`/api/staff/patients/${patient.id}/activation-codes`, {});
    expect(issued.statusCode).toBe(200);
    const { code } = issued.json();

    // The patient activates at home, in a browser of their own.
    const browser = new Client(t.app);
    browser.ip = '198.51.100.23';
    const activation = { code, birthDate: '1984-06-30' };
    expect((await browser.post('/api/activation/check', activation)).statusCode).toBe(200);
    const activated = await browser.post('/api/activation', {
      ...activation,
      email: 'rosa.storey@example.org',
      password: PASSWORD,
    });
    expect(activated.statusCode).toBe(200);
    expect(activated.json()).toEqual({ next: 'offer-mfa' });
    const user = await db()
      .selectFrom('users')
      .select(['id', 'patient_id'])
      .where('email', '=', 'rosa.storey@example.org')
      .executeTakeFirstOrThrow();
    expect(user.patient_id).toBe(patient.id);

    // Sets up the authenticator app.
    const start = await browser.post('/api/account/mfa/totp');
    expect(start.statusCode).toBe(200);
    const { secret } = start.json();
    const confirm = await browser.post('/api/account/mfa/totp/confirm', {
      code: await nextCode(secret, user.id),
    });
    expect(confirm.statusCode).toBe(200);
    const recoveryCodes: string[] = confirm.json().recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);

    // Signs out.
    expect((await browser.delete('/api/session')).statusCode).toBe(204);
    expect((await browser.get('/api/account')).statusCode).toBe(401);

    // Signs in with password, then the code from the app.
    const signIn = () =>
      browser.post('/api/session', { email: 'rosa.storey@example.org', password: PASSWORD });
    expect((await signIn()).json()).toMatchObject({ next: 'mfa' });
    expect((await browser.get('/api/account')).statusCode).toBe(401);
    const mfa = await browser.post('/api/session/mfa', { code: await nextCode(secret, user.id) });
    expect(mfa.statusCode).toBe(200);
    expect((await browser.get('/api/account')).statusCode).toBe(200);

    // Idle time passes (pushed back in the session row): signed out.
    await db()
      .updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - (t.config.idleMinutes.default + 1) * 60_000) })
      .where('user_id', '=', user.id)
      .where('ended_at', 'is', null)
      .execute();
    const idle = await browser.get('/api/account');
    expect(idle.statusCode).toBe(401);
    expect(idle.json().error.code).toBe('session_expired');

    // Signs in again with a recovery code (the phone is elsewhere).
    expect((await signIn()).json()).toMatchObject({ next: 'mfa' });
    const recovered = await browser.post('/api/session/mfa', { recoveryCode: recoveryCodes[0] });
    expect(recovered.statusCode).toBe(200);
    expect(recovered.json()).toEqual({ next: 'done', recoveryCodesLeft: 9 });
    expect((await browser.get('/api/account')).json()).toMatchObject({
      patientId: patient.id,
      mfa: { totp: true, recoveryCodesLeft: 9 },
    });

    // The account page shows the desk's work on the record.
    const log = (await browser.get('/api/account/access-log')).json();
    expect(log.entries).toContainEqual(
      expect.objectContaining({
        staffName: 'Frank Frontdesk',
        roles: ['front_desk'],
        clinic: 'Storybrook Clinic',
        action: 'create',
        resourceType: 'ActivationCode',
      }),
    );

    // Every step is in the audit trail, and the trail verifies.
    const trail = await events(user.id);
    expect(trail.filter((e) => e.outcome === 'failure')).toEqual([]);
    expect(trail.map((e) => e.action)).toEqual(
      expect.arrayContaining(['sign_in', 'update', 'sign_out', 'timeout']),
    );
    const key = auditChainKey(t.config.encryptionKey);
    await sealAudit(db(), key);
    expect(await verifyAudit(db(), key)).toMatchObject({ ok: true, problems: [] });
  });
});
