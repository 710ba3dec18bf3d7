// Second factors: TOTP enrolment and challenge, replay, recovery codes,
// too many wrong codes, declining, removing, and the story of a
// patient signed out after idle time who signs in again with a recovery code.
import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import { Client } from './support/client.ts';
import { createPatient, createUser, signedInClient, TEST_PASSWORD } from './support/factories.ts';
import { signInSuite } from './support/sign-in.ts';

const suite = signInSuite({ address: (n) => `192.0.2.${n}` });
const { browser, signIn, patientUser, audits, openSessions } = suite;

const COOKIE = 'portal_session';
const RECOVERY_CODE = /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{2}$/;

/** The code for the step after the last one used: valid now (one step of drift is allowed). */
async function freshCode(secret: string, userId: string) {
  const { totp_last_step: last } = await suite.t.database.db
    .selectFrom('users')
    .select('totp_last_step')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  const epoch = last === null ? Math.floor(Date.now() / 1000) : (last + 1) * 30;
  return generateSync({ secret, epoch });
}

/** Enrols TOTP through the API; returns the secret and the recovery codes. */
async function enrolTotp(client: Client, userId: string) {
  const start = await client.post('/api/account/mfa/totp');
  expect(start.statusCode).toBe(200);
  const { secret } = start.json();
  const confirm = await client.post('/api/account/mfa/totp/confirm', {
    code: await freshCode(secret, userId),
  });
  expect(confirm.statusCode).toBe(200);
  return { secret: secret as string, recoveryCodes: confirm.json().recoveryCodes as string[] };
}

describe("a patient (the issue's story)", () => {
  it('enrols TOTP, signs in with it, is signed out after idle time, and signs in again with a recovery code', async () => {
    const user = await patientUser();
    const client = browser();

    // First sign-in: offered MFA, sets up the authenticator app.
    expect((await signIn(client, user.email)).json().next).toBe('offer-mfa');
    const start = await client.post('/api/account/mfa/totp');
    const { secret, otpauthUri, qrSvg } = start.json();
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Patient%20Portal:/);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(qrSvg).toMatch(/^<svg/);
    const wrong = await client.post('/api/account/mfa/totp/confirm', { code: '000000' });
    expect(wrong.statusCode).toBe(400);
    const beforeConfirm = client.cookies.get(COOKIE);
    const confirm = await client.post('/api/account/mfa/totp/confirm', {
      code: await freshCode(secret, user.id),
    });
    expect(confirm.statusCode).toBe(200);
    const codes: string[] = confirm.json().recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(RECOVERY_CODE);
    expect(client.cookies.get(COOKIE)).not.toBe(beforeConfirm);
    expect(await audits(user.id, 'update')).toMatchObject([
      { resource_type: 'MfaFactor', details: { factor: 'totp', change: 'enabled' } },
    ]);
    const stored = await suite.t.database.db
      .selectFrom('recovery_codes')
      .select('code_hash')
      .where('user_id', '=', user.id)
      .execute();
    expect(stored.map((s) => s.code_hash)).not.toContain(codes[0]);
    expect((await client.delete('/api/session')).statusCode).toBe(204);

    // Second sign-in: password, then TOTP.
    const again = await signIn(client, user.email);
    expect(again.json()).toEqual({ next: 'mfa', methods: ['totp', 'recovery'] });
    expect((await client.post('/api/session/keep-alive')).statusCode).toBe(401);
    const passwordToken = client.cookies.get(COOKIE);
    const code = await freshCode(secret, user.id);
    const mfa = await client.post('/api/session/mfa', { code });
    expect(mfa.statusCode).toBe(200);
    expect(mfa.json()).toEqual({ next: 'done', recoveryCodesLeft: 10 });
    expect(client.cookies.get(COOKIE)).not.toBe(passwordToken);
    const stale = new Client(suite.t.app);
    stale.cookies.set(COOKIE, passwordToken as string);
    expect((await stale.get('/api/session')).json().signedIn).toBe(false);
    expect((await client.get('/api/session')).json()).toMatchObject({ complete: true });

    // Idle time passes: the session ends.
    await suite.t.database.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - 16 * 60_000) })
      .where('user_id', '=', user.id)
      .where('ended_at', 'is', null)
      .execute();
    const expired = await client.get('/api/session');
    expect(expired.statusCode).toBe(200);
    expect(expired.json()).toMatchObject({ signedIn: false, signedOutReason: 'timeout' });
    expect(await audits(user.id, 'timeout')).toHaveLength(1);

    // Signing in again: the same TOTP code is refused (replay), a recovery code works once.
    expect((await signIn(client, user.email)).json().next).toBe('mfa');
    const replay = await client.post('/api/session/mfa', { code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error).toMatchObject({
      code: 'invalid_code',
      details: { attemptsLeft: 4 },
    });
    const recovered = await client.post('/api/session/mfa', {
      recoveryCode: (codes[0] as string).toUpperCase(),
    });
    expect(recovered.statusCode).toBe(200);
    expect(recovered.json()).toEqual({ next: 'done', recoveryCodesLeft: 9 });
    expect((await client.get('/api/session')).json()).toMatchObject({
      signedIn: true,
      complete: true,
    });

    await client.delete('/api/session');
    await signIn(client, user.email);
    const reused = await client.post('/api/session/mfa', { recoveryCode: codes[0] });
    expect(reused.json().error.code).toBe('invalid_code');

    const signIns = await audits(user.id, 'sign_in');
    expect(signIns.map((r) => [r.outcome, (r.details as { factor: string }).factor])).toEqual([
      ['success', 'password'],
      ['success', 'password'],
      ['success', 'totp'],
      ['success', 'password'],
      ['failure', 'totp'],
      ['success', 'recovery'],
      ['success', 'password'],
      ['failure', 'recovery'],
    ]);
  });
});

describe('staff enrolment', () => {
  it('completes the sign-in of staff who set up TOTP while signing in', async () => {
    const nurse = await createUser(suite.t.database.db, suite.t.config, {
      roles: [{ role: 'nurse', clinicId: suite.clinicId }],
    });
    const client = browser();
    expect((await signIn(client, nurse.email)).json().next).toBe('enrol-mfa');
    await enrolTotp(client, nurse.id);
    expect((await client.get('/api/session')).json()).toMatchObject({
      complete: true,
      methods: ['totp', 'recovery'],
    });
    expect((await client.post('/api/session/keep-alive')).statusCode).toBe(200);
  });

  it('does not let a password alone replace an enrolled factor', async () => {
    const nurse = await createUser(suite.t.database.db, suite.t.config, {
      roles: [{ role: 'nurse', clinicId: suite.clinicId }],
      totp: true,
    });
    const client = browser();
    expect((await signIn(client, nurse.email)).json().next).toBe('mfa');
    const start = await client.post('/api/account/mfa/totp');
    expect(start.statusCode).toBe(401);
    expect(start.json().error.code).toBe('reauthentication_required');
    const options = await client.post('/api/account/passkeys/options');
    expect(options.statusCode).toBe(401);
    const confirm = await client.post('/api/account/mfa/totp/confirm', { code: '123456' });
    expect(confirm.json().error.code).toBe('second_factor_required');
  });
});

describe('the second-factor challenge', () => {
  it('ends the session after 5 wrong codes, audited, and counts them against the account', async () => {
    const user = await patientUser({ totp: true });
    const client = browser();
    await signIn(client, user.email);
    const [session] = await openSessions(user.id);
    const answers = [];
    for (let i = 0; i < 5; i += 1)
      answers.push(await client.post('/api/session/mfa', { recoveryCode: 'aaaa-aaaa-aa' }));
    expect(answers.slice(0, 4).map((r) => r.json().error.code)).toEqual(
      Array(4).fill('invalid_code'),
    );
    expect(answers[4]?.statusCode).toBe(401);
    expect(answers[4]?.json().error.code).toBe('session_ended');
    const ended = await suite.t.database.db
      .selectFrom('sessions')
      .select('end_reason')
      .where('id', '=', session?.id as string)
      .executeTakeFirstOrThrow();
    expect(ended.end_reason).toBe('mfa_failed');
    expect((await client.post('/api/session/mfa', { code: '123456' })).json().error.code).toBe(
      'sign_in_required',
    );
    const lockouts = await audits(user.id, 'lockout');
    expect(lockouts.map((l) => l.resource_type).sort()).toEqual(['Account', 'Session']);
    // The password alone cannot buy more guesses: the account is locked for now.
    expect((await signIn(client, user.email)).statusCode).toBe(429);
  });

  it('takes a code or a recovery code, and nothing else', async () => {
    const user = await patientUser({ totp: true });
    const client = browser();
    await signIn(client, user.email);
    expect((await client.post('/api/session/mfa', {})).statusCode).toBe(400);
    const extra = await client.post('/api/session/mfa', { code: '123456', patientId: user.id });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.code).toBe('validation_failed');
  });
});

describe('declining MFA', () => {
  it('stops sign-in from offering it to a patient', async () => {
    const user = await patientUser();
    const client = browser();
    expect((await signIn(client, user.email)).json().next).toBe('offer-mfa');
    expect((await client.post('/api/session/mfa/decline')).statusCode).toBe(204);
    expect(await audits(user.id, 'update')).toMatchObject([
      { resource_type: 'MfaFactor', details: { decision: 'declined' } },
    ]);
    expect((await signIn(client, user.email)).json()).toEqual({ next: 'done', methods: [] });
  });

  it('is not for staff, even staff who are also patients', async () => {
    const patient = await createPatient(suite.t.database.db, { clinicId: suite.clinicId });
    const both = await createUser(suite.t.database.db, suite.t.config, {
      roles: [
        { role: 'patient', clinicId: suite.clinicId },
        { role: 'nurse', clinicId: suite.clinicId },
      ],
      patientId: patient.id,
      totp: true,
    });
    const res = await (await signedInClient(suite.t, both)).post('/api/session/mfa/decline');
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('mfa_required');
  });
});

describe('changing MFA', () => {
  async function staleSession(client: Client, userId: string) {
    await suite.t.database.db
      .updateTable('sessions')
      .set({ reauthenticated_at: new Date(Date.now() - 10 * 60_000) })
      .where('user_id', '=', userId)
      .execute();
    return client;
  }

  it('needs a step-up to turn TOTP off; a patient may, dropping the recovery codes', async () => {
    const user = await patientUser();
    const client = browser();
    await signIn(client, user.email);
    await enrolTotp(client, user.id);
    await staleSession(client, user.id);
    const refused = await client.delete('/api/account/mfa/totp');
    expect(refused.json().error.code).toBe('reauthentication_required');
    await client.post('/api/session/reauthenticate', { password: TEST_PASSWORD });
    expect((await client.delete('/api/account/mfa/totp')).statusCode).toBe(204);
    const row = await suite.t.database.db
      .selectFrom('users')
      .select(['totp_secret', 'totp_enabled_at'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ totp_secret: null, totp_enabled_at: null });
    const codes = await suite.t.database.db
      .selectFrom('recovery_codes')
      .select('code_hash')
      .where('user_id', '=', user.id)
      .execute();
    expect(codes).toHaveLength(0);
    expect(await audits(user.id, 'delete')).toMatchObject([
      { resource_type: 'MfaFactor', details: { factor: 'totp' } },
    ]);
  });

  it('refuses to remove the last factor of staff', async () => {
    const nurse = await createUser(suite.t.database.db, suite.t.config, {
      roles: [{ role: 'nurse', clinicId: suite.clinicId }],
      totp: true,
    });
    const res = await (await signedInClient(suite.t, nurse)).delete('/api/account/mfa/totp');
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('last_factor');
  });

  it('never leaves staff without a factor when the app and the last passkey are removed at once', async () => {
    for (let round = 0; round < 3; round += 1) {
      const nurse = await createUser(suite.t.database.db, suite.t.config, {
        roles: [{ role: 'nurse', clinicId: suite.clinicId }],
        totp: true,
      });
      const passkeyId = `race-passkey-${nurse.id}`;
      await suite.t.database.db
        .insertInto('passkeys')
        .values({
          id: passkeyId,
          user_id: nurse.id,
          public_key: Buffer.from('not a real key'),
          counter: 0,
          transports: ['internal'],
          name: 'Laptop',
        })
        .execute();
      const client = await signedInClient(suite.t, nurse);
      await client.refreshCsrf();
      const answers = await Promise.all([
        client.delete('/api/account/mfa/totp'),
        client.delete(`/api/account/passkeys/${passkeyId}`),
      ]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([204, 409]);
      expect(answers.find((a) => a.statusCode === 409)?.json().error.code).toBe('last_factor');
      const left = await suite.t.database.db
        .selectFrom('users')
        .select('totp_enabled_at')
        .select((eb) =>
          eb
            .selectFrom('passkeys')
            .select(eb.fn.countAll<number>().as('n'))
            .whereRef('passkeys.user_id', '=', 'users.id')
            .as('passkeys'),
        )
        .where('id', '=', nurse.id)
        .executeTakeFirstOrThrow();
      expect((left.totp_enabled_at ? 1 : 0) + Number(left.passkeys)).toBe(1);
    }
  });

  it('replaces the recovery codes after a step-up; the old ones stop working', async () => {
    const user = await patientUser();
    const client = browser();
    await signIn(client, user.email);
    const { recoveryCodes: old } = await enrolTotp(client, user.id);
    await staleSession(client, user.id);
    expect((await client.post('/api/account/mfa/recovery-codes')).statusCode).toBe(401);
    await client.post('/api/session/reauthenticate', { password: TEST_PASSWORD });
    const res = await client.post('/api/account/mfa/recovery-codes');
    expect(res.statusCode).toBe(200);
    const fresh: string[] = res.json().recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((c) => old.includes(c))).toEqual([]);
    await client.delete('/api/session');
    await signIn(client, user.email);
    expect((await client.post('/api/session/mfa', { recoveryCode: old[0] })).statusCode).toBe(401);
    expect((await client.post('/api/session/mfa', { recoveryCode: fresh[0] })).statusCode).toBe(
      200,
    );
  });

  it('shows the factors on the account', async () => {
    const user = await patientUser({ totp: true });
    const res = await (await signedInClient(suite.t, user)).get('/api/account/mfa');
    expect(res.json()).toEqual({
      totp: true,
      passkeys: 0,
      recoveryCodesLeft: 0,
      declined: false,
      required: false,
    });
  });
});
