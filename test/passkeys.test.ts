// Passkeys: registering one, signing in with it (alone or after the
// password), the counter, and answers from the wrong origin or replayed.
import { describe, expect, it } from 'vitest';
import { SoftAuthenticator } from './support/authenticator.ts';
import type { Client } from './support/client.ts';
import { createUser, signedInClient, TEST_PASSWORD } from './support/factories.ts';
import { signInSuite } from './support/sign-in.ts';

const suite = signInSuite({ address: (n) => `203.0.113.${100 + n}` });
const { browser, patientUser, audits } = suite;

const COOKIE = 'portal_session';
const authenticator = () => new SoftAuthenticator(suite.t.config.publicUrl);

/** Adds a passkey the way the settings page does. */
async function register(client: Client, key: SoftAuthenticator, name?: string) {
  const options = await client.post('/api/account/passkeys/options');
  expect(options.statusCode).toBe(200);
  const credential = key.create(options.json());
  return client.post('/api/account/passkeys', { credential, ...(name ? { name } : {}) });
}

/** Signs in with a passkey the way the sign-in page does. */
async function passkeySignIn(
  client: Client,
  key: SoftAuthenticator,
  options: { origin?: string; userVerified?: boolean; counter?: number } = {},
) {
  const start = await client.post('/api/session/passkey/options', {});
  expect(start.statusCode).toBe(200);
  const credential = key.get(start.json(), options);
  return client.post('/api/session/passkey', { credential });
}

const counterOf = async (id: string) =>
  (
    await suite.t.database.db
      .selectFrom('passkeys')
      .select('counter')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  ).counter;

describe('registering a passkey', () => {
  it('stores it, returns recovery codes for a first factor, lists it, and audits it', async () => {
    const user = await patientUser();
    const client = await signedInClient(suite.t, user);
    const key = authenticator();
    const res = await register(client, key, 'Laptop');
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.passkey).toMatchObject({ name: 'Laptop', lastUsedAt: null });
    expect(body.recoveryCodes).toHaveLength(10);
    const [credential] = key.credentials;
    expect(body.passkey.id).toBe(credential?.id);
    const row = await suite.t.database.db
      .selectFrom('passkeys')
      .selectAll()
      .where('id', '=', body.passkey.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: user.id, counter: 0, transports: ['internal'] });
    expect((await client.get('/api/account/passkeys')).json().passkeys).toEqual([body.passkey]);
    expect(await audits(user.id, 'create')).toMatchObject([
      { resource_type: 'MfaFactor', details: { factor: 'passkey', passkeyId: body.passkey.id } },
    ]);
    // The same authenticator is not registered twice: the browser is told to exclude it.
    const again = await client.post('/api/account/passkeys/options');
    expect(again.json().excludeCredentials).toEqual([
      expect.objectContaining({ id: body.passkey.id }),
    ]);
  });

  it('refuses an answer made for another origin, or to a challenge already used', async () => {
    const user = await patientUser();
    const client = await signedInClient(suite.t, user);
    const key = authenticator();
    const options = (await client.post('/api/account/passkeys/options')).json();
    const phished = key.create(options, { origin: 'https://portal.example.evil' });
    const res = await client.post('/api/account/passkeys', { credential: phished });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('passkey_not_added');
    // Its challenge is spent even though the answer was wrong.
    const retry = await client.post('/api/account/passkeys', { credential: key.create(options) });
    expect(retry.statusCode).toBe(400);
    const rows = await suite.t.database.db
      .selectFrom('passkeys')
      .select('id')
      .where('user_id', '=', user.id)
      .execute();
    expect(rows).toHaveLength(0);
  });

  it('lets staff add a passkey as their first factor while signing in', async () => {
    const admin = await createUser(suite.t.database.db, suite.t.config, {
      roles: [{ role: 'clinic_admin', clinicId: suite.clinicId }],
    });
    const client = browser();
    const signIn = await client.post('/api/session', {
      email: admin.email,
      password: TEST_PASSWORD,
    });
    expect(signIn.json().next).toBe('enrol-mfa');
    const before = client.cookies.get(COOKIE);
    const res = await register(client, authenticator());
    expect(res.statusCode).toBe(201);
    expect(client.cookies.get(COOKIE)).not.toBe(before);
    expect((await client.get('/api/session')).json()).toMatchObject({
      complete: true,
      methods: ['passkey', 'recovery'],
    });
  });

  it('needs a step-up once there is a factor', async () => {
    const user = await patientUser();
    const client = await signedInClient(suite.t, user);
    await register(client, authenticator());
    await suite.t.database.db
      .updateTable('sessions')
      .set({ reauthenticated_at: new Date(Date.now() - 10 * 60_000) })
      .where('user_id', '=', user.id)
      .execute();
    const res = await client.post('/api/account/passkeys/options');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('reauthentication_required');
  });
});

describe('signing in with a passkey', () => {
  it('starts a complete session with no password, and moves the counter on each use', async () => {
    const user = await patientUser();
    const key = authenticator();
    await register(await signedInClient(suite.t, user), key);
    const id = key.credentials[0]?.id as string;

    const client = browser();
    const res = await passkeySignIn(client, key);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ next: 'done', methods: [] });
    expect((await client.get('/api/session')).json()).toMatchObject({
      signedIn: true,
      complete: true,
      user: { id: user.id },
    });
    expect(await counterOf(id)).toBe(1);
    expect((await passkeySignIn(browser(), key)).statusCode).toBe(200);
    expect(await counterOf(id)).toBe(2);
    const signIns = await audits(user.id, 'sign_in');
    expect(signIns.map((r) => [r.outcome, (r.details as { factor: string }).factor])).toEqual([
      ['success', 'passkey'],
      ['success', 'passkey'],
    ]);
  });

  it('refuses an answer from another origin, audited, and leaves the counter alone', async () => {
    const user = await patientUser();
    const key = authenticator();
    await register(await signedInClient(suite.t, user), key);
    const client = browser();
    const res = await passkeySignIn(client, key, { origin: 'https://portal.example.evil' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('passkey_failed');
    expect(res.cookies.find((c) => c.name === COOKIE)).toBeUndefined();
    expect(await counterOf(key.credentials[0]?.id as string)).toBe(0);
    expect(await audits(user.id, 'sign_in')).toMatchObject([
      { outcome: 'failure', details: { factor: 'passkey', reason: 'not_verified' } },
    ]);
  });

  it('refuses a replayed answer and a cloned authenticator', async () => {
    const user = await patientUser();
    const key = authenticator();
    await register(await signedInClient(suite.t, user), key);
    const options = (await browser().post('/api/session/passkey/options')).json();
    const credential = key.get(options);
    expect((await browser().post('/api/session/passkey', { credential })).statusCode).toBe(200);
    const replay = await browser().post('/api/session/passkey', { credential });
    expect(replay.statusCode).toBe(401);
    // A copy of the key whose counter lags behind the real one.
    const clone = await passkeySignIn(browser(), key, { counter: 1 });
    expect(clone.statusCode).toBe(401);
    const reasons = (await audits(user.id, 'sign_in'))
      .filter((r) => r.outcome === 'failure')
      .map((r) => (r.details as { reason: string }).reason);
    expect(reasons).toEqual(['not_verified']);
  });

  it('needs the person verified (PIN or biometrics) when there is no password before it', async () => {
    const user = await patientUser();
    const key = authenticator();
    await register(await signedInClient(suite.t, user), key);
    expect((await passkeySignIn(browser(), key, { userVerified: false })).statusCode).toBe(401);
  });

  it('gives everyone signing in the same kind of options, asking for no e-mail', async () => {
    const user = await patientUser();
    const key = authenticator();
    await register(await signedInClient(suite.t, user), key);
    const a = (await browser().post('/api/session/passkey/options', {})).json();
    const b = (await browser().post('/api/session/passkey/options')).json();
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(a.allowCredentials ?? []).toEqual([]);
    expect(b.allowCredentials ?? []).toEqual([]);
    expect(a.challenge).not.toBe(b.challenge);
    // An e-mail is not a field it takes: nothing about an account can depend on one.
    for (const email of [user.email, 'nobody-at-all@example.org']) {
      const res = await browser().post('/api/session/passkey/options', { email });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual([
        { field: 'email', message: 'is not a field this request accepts' },
      ]);
    }
  });

  it("names only the session's own passkeys while signing in", async () => {
    const nurse = await createUser(suite.t.database.db, suite.t.config, {
      roles: [{ role: 'nurse', clinicId: suite.clinicId }],
    });
    const key = authenticator();
    await register(await signedInClient(suite.t, nurse), key);
    const someoneElse = await patientUser();
    await register(await signedInClient(suite.t, someoneElse), authenticator());
    const client = browser();
    await client.post('/api/session', { email: nurse.email, password: TEST_PASSWORD });
    const options = (await client.post('/api/session/passkey/options', {})).json();
    expect(options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([
      key.credentials[0]?.id,
    ]);
  });

  it("completes the second factor of the same person's password sign-in", async () => {
    const nurse = await createUser(suite.t.database.db, suite.t.config, {
      roles: [{ role: 'nurse', clinicId: suite.clinicId }],
    });
    const key = authenticator();
    await register(await signedInClient(suite.t, nurse), key);
    const client = browser();
    const signIn = await client.post('/api/session', {
      email: nurse.email,
      password: TEST_PASSWORD,
    });
    expect(signIn.json()).toEqual({ next: 'mfa', methods: ['passkey', 'recovery'] });
    const session = await suite.t.database.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', nurse.id)
      .where('ended_at', 'is', null)
      .where('mfa_verified_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect((await passkeySignIn(client, key)).statusCode).toBe(200);
    const after = await suite.t.database.db
      .selectFrom('sessions')
      .select(['mfa_verified_at', 'ended_at'])
      .where('id', '=', session.id)
      .executeTakeFirstOrThrow();
    expect(after.mfa_verified_at).not.toBeNull();
    expect(after.ended_at).toBeNull();
    expect((await client.get('/api/session')).json().complete).toBe(true);
  });
});

describe('managing passkeys', () => {
  it('renames one, audited', async () => {
    const user = await patientUser();
    const client = await signedInClient(suite.t, user);
    const { passkey } = (await register(client, authenticator())).json();
    const res = await client.patch(`/api/account/passkeys/${passkey.id}`, { name: 'Phone' });
    expect(res.json().passkey.name).toBe('Phone');
    expect(await audits(user.id, 'update')).toMatchObject([
      { details: { change: 'renamed', passkeyId: passkey.id } },
    ]);
    const other = await signedInClient(suite.t, await patientUser());
    expect(
      (await other.patch(`/api/account/passkeys/${passkey.id}`, { name: 'Mine' })).statusCode,
    ).toBe(404);
  });

  it('removes one after a step-up, but not the last factor of staff', async () => {
    const user = await patientUser();
    const client = await signedInClient(suite.t, user);
    const { passkey } = (await register(client, authenticator())).json();
    expect((await client.delete(`/api/account/passkeys/${passkey.id}`)).statusCode).toBe(204);
    expect(await audits(user.id, 'delete')).toMatchObject([
      { details: { factor: 'passkey', passkeyId: passkey.id } },
    ]);

    const nurse = await createUser(suite.t.database.db, suite.t.config, {
      roles: [{ role: 'nurse', clinicId: suite.clinicId }],
    });
    const staff = await signedInClient(suite.t, nurse);
    const added = (await register(staff, authenticator())).json().passkey;
    const last = await staff.delete(`/api/account/passkeys/${added.id}`);
    expect(last.statusCode).toBe(409);
    expect(last.json().error.code).toBe('last_factor');
    expect(await counterOf(added.id)).toBe(0);
  });

  it('never leaves staff without a factor when their two passkeys are removed at once', async () => {
    const nurse = await createUser(suite.t.database.db, suite.t.config, {
      roles: [{ role: 'nurse', clinicId: suite.clinicId }],
    });
    const client = await signedInClient(suite.t, nurse);
    const first = (await register(client, authenticator())).json().passkey;
    const second = (await register(client, authenticator())).json().passkey;
    const answers = await Promise.all(
      [first, second].map((p) => client.delete(`/api/account/passkeys/${p.id}`)),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([204, 409]);
    const left = await suite.t.database.db
      .selectFrom('passkeys')
      .select('id')
      .where('user_id', '=', nurse.id)
      .execute();
    expect(left).toHaveLength(1);
  });
});
