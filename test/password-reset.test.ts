// Forgot password: the same answer whether or not the address has an
// account, a single-use link that expires in 30 minutes, and a reset that
// ends every session and lifts a sign-in lockout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/modules/accounts/passwords.ts';
import { hashToken } from '../src/platform/crypto/crypto.ts';
import { type TestApp, testApp } from './support/app.ts';
import { Client } from './support/client.ts';
import {
  createClinic,
  createPatient,
  createUser,
  signedInClient,
  TEST_PASSWORD,
} from './support/factories.ts';

let t: TestApp;
let clinicId: string;
beforeAll(async () => {
  t = await testApp();
  clinicId = (await createClinic(t.database.db)).id;
});
afterAll(() => t.close());

const NEW_PASSWORD = 'a brand new sentence for 2025';

let ipCounter = 0;
function browser() {
  const client = new Client(t.app);
  client.ip = `198.51.100.${++ipCounter}`;
  return client;
}

async function patientUser() {
  const patient = await createPatient(t.database.db, {
    clinicId,
    givenName: 'Octavia',
    familyName: `Pemberton${ipCounter}`,
  });
  const user = await createUser(t.database.db, t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patient.id,
    name: `Octavia Pemberton${ipCounter}`,
  });
  return { patient, user };
}

const mailsTo = (address: string) =>
  t.database.db
    .selectFrom('mail_outbox')
    .selectAll()
    .where('to_address', '=', address)
    .orderBy('created_at')
    .execute();

/** The token from the newest reset mail, read from the link as a person would open it. */
async function linkToken(address: string, page = 'reset-password'): Promise<string> {
  const mails = await mailsTo(address);
  const body = mails.at(-1)?.body ?? '';
  const link = body.match(/https?:\/\/\S+/)?.[0] ?? '';
  expect(link.startsWith(`${t.config.publicUrl}/${page}#token=`)).toBe(true);
  return new URL(link).hash.replace('#token=', '');
}

const forgot = (client: Client, email: string) => client.post('/api/password/forgot', { email });

describe('asking for a link', () => {
  it('answers the same for an unknown address as for a known one, and mails only the known', async () => {
    const { user } = await patientUser();
    const unknown = `nobody-${Date.now()}@example.org`;
    const known = await forgot(browser(), user.email.toUpperCase());
    const stranger = await forgot(browser(), unknown);
    expect(known.statusCode).toBe(202);
    expect(stranger.statusCode).toBe(202);
    expect(stranger.body).toBe(known.body);
    expect(known.json()).toEqual({
      message: 'If an account exists for that address, we sent a link.',
    });
    expect(await mailsTo(user.email)).toHaveLength(1);
    expect(await mailsTo(unknown)).toHaveLength(0);
    const tokens = await t.database.db
      .selectFrom('one_time_tokens')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(tokens).toMatchObject([{ purpose: 'password_reset', used_at: null }]);
    const minutes = ((tokens[0]?.expires_at.getTime() ?? 0) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);
  });

  it('mails a link with the token after # and no name in it', async () => {
    const { user, patient } = await patientUser();
    await forgot(browser(), user.email);
    const [mail] = await mailsTo(user.email);
    const token = await linkToken(user.email);
    expect(token.length).toBeGreaterThan(40);
    expect(mail?.body).not.toContain('?');
    expect(`${mail?.subject} ${mail?.body}`).not.toMatch(
      new RegExp(`${patient.given_name}|${patient.family_name}`),
    );
    // Only the hash is stored.
    const stored = await t.database.db
      .selectFrom('one_time_tokens')
      .select('token_hash')
      .where('user_id', '=', user.id)
      .execute();
    expect(stored).toEqual([{ token_hash: hashToken(token) }]);
  });

  it('sends at most 3 links an hour to one address, answering the same', async () => {
    const { user } = await patientUser();
    const answers = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const res = await forgot(browser(), user.email);
      expect(res.statusCode).toBe(202);
      answers.add(res.body);
    }
    expect(answers.size).toBe(1);
    expect(await mailsTo(user.email)).toHaveLength(3);
  });

  it('keeps only the newest link working', async () => {
    const { user } = await patientUser();
    await forgot(browser(), user.email);
    const first = await linkToken(user.email);
    await forgot(browser(), user.email);
    const second = await linkToken(user.email);
    const client = browser();
    const old = await client.post('/api/password/reset', { token: first, password: NEW_PASSWORD });
    expect(old.json().error.code).toBe('invalid_token');
    const res = await client.post('/api/password/reset', { token: second, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(200);
  });

  it('refuses too many requests from one IP', async () => {
    const client = browser();
    let last = 0;
    for (let i = 0; i < 21; i++)
      last = (await forgot(client, `flood-${i}-${Date.now()}@example.org`)).statusCode;
    expect(last).toBe(429);
  });
});

describe('resetting', () => {
  it('sets the password once, ends every session, lifts the lockout, and tells the owner', async () => {
    const { user } = await patientUser();
    const signedIn = await signedInClient(t, user);
    expect((await signedIn.get('/api/account')).statusCode).toBe(200);
    await t.database.db
      .updateTable('users')
      .set({ failed_sign_ins: 7, locked_until: new Date(Date.now() + 3_600_000) })
      .where('id', '=', user.id)
      .execute();
    await t.database.db
      .insertInto('sign_in_throttle')
      .values({
        key: `email:${user.email}`,
        failures: 7,
        locked_until: new Date(Date.now() + 3_600_000),
      })
      .execute();

    await forgot(browser(), user.email);
    const token = await linkToken(user.email);
    const client = browser();
    const res = await client.post('/api/password/reset', { token, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(200);

    const row = await t.database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(await verifyPassword(row.password_hash ?? '', NEW_PASSWORD)).toBe(true);
    expect(row).toMatchObject({ failed_sign_ins: 0, locked_until: null });
    expect(row.password_changed_at).toBeInstanceOf(Date);
    const throttle = await t.database.db
      .selectFrom('sign_in_throttle')
      .selectAll()
      .where('key', '=', `email:${user.email}`)
      .execute();
    expect(throttle).toEqual([]);

    const open = await t.database.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(open.map((s) => s.end_reason)).toEqual(['password_reset']);
    const after = await signedIn.get('/api/account');
    expect(after.statusCode).toBe(401);

    const mails = await mailsTo(user.email);
    expect(mails.at(-1)?.subject).toBe('Your password was changed');

    const again = await client.post('/api/password/reset', {
      token,
      password: 'yet another long sentence',
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('invalid_token');
    expect(again.json().error.message).toMatch(/Forgot password/);

    const audited = await t.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_user_id', '=', user.id)
      .where('resource_type', '=', 'Password')
      .execute();
    expect(audited).toMatchObject([
      { action: 'update', outcome: 'success', details: { via: 'reset_link', sessionsEnded: 1 } },
    ]);
  });

  it('refuses a link older than 30 minutes', async () => {
    const { user } = await patientUser();
    await forgot(browser(), user.email);
    const token = await linkToken(user.email);
    await t.database.db
      .updateTable('one_time_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('token_hash', '=', hashToken(token))
      .execute();
    const res = await browser().post('/api/password/reset', { token, password: NEW_PASSWORD });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_token');
  });

  it('refuses an unknown token, audited', async () => {
    const res = await browser().post('/api/password/reset', {
      token: 'made-up-token',
      password: NEW_PASSWORD,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_token');
    const audited = await t.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('resource_type', '=', 'PasswordReset')
      .where('action', '=', 'access_denied')
      .execute();
    expect(audited.length).toBeGreaterThan(0);
  });

  it('refuses a weak password and leaves the link working', async () => {
    const { user } = await patientUser();
    await forgot(browser(), user.email);
    const token = await linkToken(user.email);
    const client = browser();
    const weak = await client.post('/api/password/reset', { token, password: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.code).toBe('weak_password');
    const named = await client.post('/api/password/reset', {
      token,
      password: 'octavia likes long walks',
    });
    expect(named.json().error.code).toBe('weak_password');
    const ok = await client.post('/api/password/reset', { token, password: NEW_PASSWORD });
    expect(ok.statusCode).toBe(200);
  });

  it('refuses unknown fields in the body', async () => {
    const res = await browser().post('/api/password/reset', {
      token: 'x',
      password: NEW_PASSWORD,
      userId: '00000000-0000-4000-8000-000000000000',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
  });
});

describe('a new password cancels older links', () => {
  it('a reset cancels an e-mail change asked for before it', async () => {
    // Someone with the session asks to move the account to their own address,
    // the owner resets the password: the pending change must die with it.
    const { user } = await patientUser();
    const thief = await signedInClient(t, user);
    const theirs = `taken-over-${ipCounter}@example.org`;
    expect((await thief.post('/api/account/email', { newEmail: theirs })).statusCode).toBe(202);
    const change = await linkToken(theirs, 'confirm-email');

    await forgot(browser(), user.email);
    const reset = await browser().post('/api/password/reset', {
      token: await linkToken(user.email),
      password: NEW_PASSWORD,
    });
    expect(reset.statusCode).toBe(200);

    const confirm = await browser().post('/api/account/email/confirm', { token: change });
    expect(confirm.statusCode).toBe(400);
    expect(confirm.json().error.code).toBe('invalid_token');
    const row = await t.database.db
      .selectFrom('users')
      .select('email')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.email).toBe(user.email);
    const unused = await t.database.db
      .selectFrom('one_time_tokens')
      .select('purpose')
      .where('user_id', '=', user.id)
      .where('used_at', 'is', null)
      .execute();
    expect(unused).toEqual([]);
    const [audited] = await t.database.db
      .selectFrom('audit_events')
      .select('details')
      .where('actor_user_id', '=', user.id)
      .where('resource_type', '=', 'Password')
      .execute();
    expect(audited?.details).toMatchObject({ via: 'reset_link', linksCancelled: 1 });
  });

  it('a password change cancels reset and e-mail change links', async () => {
    const { user } = await patientUser();
    await forgot(browser(), user.email);
    const reset = await linkToken(user.email);
    const client = await signedInClient(t, user);
    const newAddress = `moving-${ipCounter}@example.org`;
    await client.post('/api/account/email', { newEmail: newAddress });
    const change = await linkToken(newAddress, 'confirm-email');
    const changed = await client.put('/api/account/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(changed.statusCode).toBe(200);
    const late = await browser().post('/api/password/reset', {
      token: reset,
      password: 'yet another long sentence',
    });
    expect(late.json().error.code).toBe('invalid_token');
    const confirm = await browser().post('/api/account/email/confirm', { token: change });
    expect(confirm.json().error.code).toBe('invalid_token');
  });

  it('a confirmed e-mail change cancels a reset link mailed to the old address', async () => {
    const { user } = await patientUser();
    await forgot(browser(), user.email);
    const reset = await linkToken(user.email);
    const newAddress = `moved-${ipCounter}@example.org`;
    await (await signedInClient(t, user)).post('/api/account/email', { newEmail: newAddress });
    const confirm = await browser().post('/api/account/email/confirm', {
      token: await linkToken(newAddress, 'confirm-email'),
    });
    expect(confirm.statusCode).toBe(200);
    const late = await browser().post('/api/password/reset', {
      token: reset,
      password: 'yet another long sentence',
    });
    expect(late.json().error.code).toBe('invalid_token');
  });
});
