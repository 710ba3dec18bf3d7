// Signing in with a password: next steps, throttling and lockout (the same
// for unknown e-mails), audit of every failure, new session ids, step-up,
// keep-alive and sign-out.

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyPluginAsync, LightMyRequestResponse } from 'fastify';
import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import { MAX_PENDING_SESSIONS } from '../src/modules/accounts/sign-in.ts';
import {
  FREE_FAILURES,
  forgetOldFailures,
  IP_MAX_FAILURES,
  ipKey,
  unlockAccount,
} from '../src/modules/accounts/throttle.ts';
import { requireRecentAuth } from '../src/platform/auth/step-up.ts';
import { testApp } from './support/app.ts';
import { Client } from './support/client.ts';
import { createUser, signedInClient, TEST_PASSWORD } from './support/factories.ts';
import { signInSuite } from './support/sign-in.ts';

/** A route that needs a recent step-up, as record downloads will. */
const routes: FastifyPluginAsync = async (app) => {
  app.post('/api/test/sensitive', { config: { access: 'signed-in' } }, async (req) => {
    requireRecentAuth(req);
    return { ok: true };
  });
};

const suite = signInSuite({
  address: (n) => `198.51.${100 + Math.floor(n / 250)}.${n % 250}`,
  plugins: [routes],
});
const { browser, signIn, patientUser, openSessions } = suite;

const cookieName = () => 'portal_session';

const auditRows = (where: { userId?: string; action: string; ip?: string }) =>
  suite.t.database.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', where.action as never)
    .$if(!!where.userId, (q) => q.where('actor_user_id', '=', where.userId as string))
    .$if(!!where.ip, (q) => q.where('ip', '=', where.ip as string))
    .orderBy('id')
    .execute();

describe('signing in with a password', () => {
  it('offers MFA to a patient without it, with a complete session and a secure cookie', async () => {
    const user = await patientUser();
    const client = browser();
    const res = await signIn(client, user.email.toUpperCase());
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ next: 'offer-mfa', methods: [] });
    const cookie = res.cookies.find((c) => c.name === cookieName());
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect((await client.get('/api/session')).json()).toMatchObject({
      signedIn: true,
      complete: true,
      user: { id: user.id },
    });
    const [row] = await auditRows({ userId: user.id, action: 'sign_in' });
    expect(row).toMatchObject({ outcome: 'success', actor_role: 'patient', ip: client.ip });
    expect(row?.details).toMatchObject({ factor: 'password', next: 'offer-mfa' });
  });

  it('holds staff without MFA at enrolment, with an incomplete session', async () => {
    const nurse = await createUser(suite.t.database.db, suite.t.config, {
      roles: [{ role: 'nurse', clinicId: suite.clinicId }],
    });
    const client = browser();
    expect((await signIn(client, nurse.email)).json()).toEqual({ next: 'enrol-mfa', methods: [] });
    expect((await client.get('/api/session')).json()).toMatchObject({ complete: false });
    const res = await client.post('/api/session/keep-alive');
    expect(res.json().error.code).toBe('second_factor_required');
  });

  it('asks anyone with MFA for the second factor', async () => {
    const provider = await createUser(suite.t.database.db, suite.t.config, {
      roles: [{ role: 'provider', clinicId: suite.clinicId }],
      totp: true,
    });
    const client = browser();
    expect((await signIn(client, provider.email)).json()).toEqual({
      next: 'mfa',
      methods: ['totp'],
    });
    expect((await client.get('/api/session')).json()).toMatchObject({
      complete: false,
      methods: ['totp'],
    });
  });

  it('answers an unknown e-mail, a wrong password and a disabled account alike, and audits each', async () => {
    const user = await patientUser();
    const disabled = await patientUser();
    await suite.t.database.db
      .updateTable('users')
      .set({ status: 'disabled' })
      .where('id', '=', disabled.id)
      .execute();
    const unknown = await signIn(browser(), 'nobody-here@example.org');
    const wrong = await signIn(browser(), user.email, 'not the right password');
    const off = await signIn(browser(), disabled.email);
    for (const res of [unknown, wrong, off]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual(unknown.json());
      expect(res.cookies.find((c) => c.name === cookieName())).toBeUndefined();
    }
    expect(unknown.json().error.code).toBe('invalid_credentials');
    const failures = await suite.t.database.db
      .selectFrom('audit_events')
      .select(['actor_user_id', 'outcome', 'details'])
      .where('action', '=', 'sign_in')
      .where(
        'request_id',
        'in',
        [unknown, wrong, off].map((r) => r.headers['x-request-id'] as string),
      )
      .orderBy('id')
      .execute();
    expect(failures).toEqual([
      {
        actor_user_id: null,
        outcome: 'failure',
        details: { factor: 'password', reason: 'unknown_account' },
      },
      {
        actor_user_id: user.id,
        outcome: 'failure',
        details: { factor: 'password', reason: 'wrong_password' },
      },
      {
        actor_user_id: disabled.id,
        outcome: 'failure',
        details: { factor: 'password', reason: 'disabled' },
      },
    ]);
  });

  it('refuses fields it does not accept (mass assignment)', async () => {
    const user = await patientUser();
    const res = await browser().post('/api/session', {
      email: user.email,
      password: TEST_PASSWORD,
      role: 'system_admin',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      { field: 'role', message: 'is not a field this request accepts' },
    ]);
  });

  it('starts a new session and ends the one the browser had', async () => {
    const user = await patientUser();
    const client = await signedInClient(suite.t, user);
    client.ip = browser().ip;
    const oldToken = client.cookies.get(cookieName());
    const [old] = await openSessions(user.id);
    expect((await signIn(client, user.email)).statusCode).toBe(200);
    const newToken = client.cookies.get(cookieName());
    expect(newToken).toBeDefined();
    expect(newToken).not.toBe(oldToken);
    const ended = await suite.t.database.db
      .selectFrom('sessions')
      .select('end_reason')
      .where('id', '=', old?.id as string)
      .executeTakeFirstOrThrow();
    expect(ended.end_reason).toBe('rotated');
    const stale = new Client(suite.t.app);
    stale.cookies.set(cookieName(), oldToken as string);
    expect((await stale.get('/api/session')).json().signedIn).toBe(false);
    expect(await openSessions(user.id)).toHaveLength(1);
  });
});

/** What two answers must share: volatile parts (times, ids) set aside. */
function comparable(res: LightMyRequestResponse) {
  const {
    date,
    'x-request-id': _id,
    'x-ratelimit-reset': _reset,
    'retry-after': retry,
    ...headers
  } = res.headers;
  const body = res.json();
  if (body.error?.details?.retryAfter) body.error.details.retryAfter = 'ISO';
  if (body.error) body.error.message = body.error.message.replace(/\d\d:\d\d UTC/, 'HH:MM UTC');
  return { status: res.statusCode, body, headers, hasRetryAfter: retry !== undefined };
}

describe('throttling', () => {
  it('locks an account after wrong passwords, refusing even the right one, exactly as for an unknown e-mail', async () => {
    const user = await patientUser();
    const known = browser();
    const stranger = browser();
    const strangerEmail = `no-account-${user.id.slice(0, 8)}@example.org`;
    for (let i = 1; i <= 20; i += 1) {
      const a = await signIn(known, user.email, `wrong password number ${i}`);
      const b = await signIn(stranger, strangerEmail, `wrong password number ${i}`);
      expect(comparable(a), `attempt ${i}`).toEqual(comparable(b));
      expect(a.statusCode, `attempt ${i}`).toBe(i < 5 ? 401 : 429);
    }
    const refused = await signIn(known, user.email);
    expect(refused.statusCode).toBe(429);
    const error = refused.json().error;
    expect(error.code).toBe('too_many_attempts');
    expect(error.message).toMatch(/^Too many attempts\. Try again after \d\d:\d\d UTC\.$/);
    const retryAfter = new Date(error.details.retryAfter);
    expect(retryAfter.getTime()).toBeGreaterThan(Date.now());
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    // Staff see the lock on the account.
    const account = await suite.t.database.db
      .selectFrom('users')
      .select(['failed_sign_ins', 'locked_until'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(account.failed_sign_ins).toBe(5);
    expect(account.locked_until?.getTime()).toBeGreaterThan(Date.now());

    // Every failure is audited: 4 wrong passwords, then the one that locked, then 16 refused.
    const failures = await auditRows({ userId: user.id, action: 'sign_in' });
    expect(failures).toHaveLength(21);
    expect(failures.every((f) => f.outcome === 'failure')).toBe(true);
    expect(
      failures.filter((f) => (f.details as { reason: string }).reason === 'locked'),
    ).toHaveLength(16);
    const lockouts = await auditRows({ userId: user.id, action: 'lockout' });
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]?.details).toMatchObject({ scope: 'account', failures: 5 });

    // The lock ends at its time; the right password then works and clears the streak.
    await suite.t.database.db
      .updateTable('sign_in_throttle')
      .set({ locked_until: new Date(Date.now() - 1000) })
      .where('key', '=', `email:${user.email}`)
      .execute();
    expect((await signIn(known, user.email)).statusCode).toBe(200);
    const cleared = await suite.t.database.db
      .selectFrom('users')
      .select(['failed_sign_ins', 'locked_until'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(cleared).toEqual({ failed_sign_ins: 0, locked_until: null });
    const row = await suite.t.database.db
      .selectFrom('sign_in_throttle')
      .select('key')
      .where('key', '=', `email:${user.email}`)
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('locks for longer after each further failure', async () => {
    const user = await patientUser();
    const client = browser();
    for (let i = 0; i < 5; i += 1) await signIn(client, user.email, 'wrong wrong wrong');
    const key = `email:${user.email}`;
    const lock = () =>
      suite.t.database.db
        .selectFrom('sign_in_throttle')
        .select(['failures', 'locked_until'])
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
    const first = await lock();
    await suite.t.database.db
      .updateTable('sign_in_throttle')
      .set({ locked_until: new Date(Date.now() - 1000) })
      .where('key', '=', key)
      .execute();
    const before = Date.now();
    expect((await signIn(client, user.email, 'wrong again, sadly')).statusCode).toBe(429);
    const second = await lock();
    expect(first.failures).toBe(5);
    expect(second.failures).toBe(6);
    // The sixth failure locks for 2 minutes, so well past one minute from now.
    expect((second.locked_until as Date).getTime()).toBeGreaterThan(before + 60_000);
  });

  it('is lifted by unlockAccount, as staff do', async () => {
    const user = await patientUser();
    const client = browser();
    for (let i = 0; i < 5; i += 1) await signIn(client, user.email, 'wrong wrong wrong');
    expect((await signIn(client, user.email)).statusCode).toBe(429);
    await unlockAccount(suite.t.database.db, user.id);
    expect((await signIn(client, user.email)).statusCode).toBe(200);
  });

  it('forgets counters a day old, but not a lock still in force', async () => {
    const dayAgo = new Date(Date.now() - 25 * 3_600_000);
    const keys = ['email:old-typo@example.org', 'email:still-locked@example.org'];
    await suite.t.database.db
      .insertInto('sign_in_throttle')
      .values([
        { key: keys[0] as string, failures: 2, last_failure_at: dayAgo },
        {
          key: keys[1] as string,
          failures: 11,
          last_failure_at: dayAgo,
          locked_until: new Date(Date.now() + 60_000),
        },
      ])
      .execute();
    await forgetOldFailures(suite.t.database.db);
    const left = await suite.t.database.db
      .selectFrom('sign_in_throttle')
      .select('key')
      .where('key', 'in', keys)
      .execute();
    expect(left).toEqual([{ key: keys[1] }]);
  });

  it(`locks an IP after ${IP_MAX_FAILURES} failures, for every account, but not other IPs`, async () => {
    const user = await patientUser();
    const attacker = browser();
    for (let i = 0; i < IP_MAX_FAILURES; i += 1)
      await signIn(
        attacker,
        `guess-${i}-${user.id.slice(0, 6)}@example.org`,
        'password guess 1234',
      );
    const res = await signIn(attacker, user.email);
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('too_many_attempts');
    const lockouts = await auditRows({ action: 'lockout', ip: attacker.ip });
    expect(lockouts.map((l) => l.details)).toEqual([
      expect.objectContaining({ scope: 'ip', failures: IP_MAX_FAILURES }),
    ]);
    expect((await signIn(browser(), user.email)).statusCode).toBe(200);
  });
});

describe('guesses sent all at once', () => {
  /** How many of a user's failed attempts were really checked, and how many refused unchecked. */
  async function judged(userId: string) {
    const rows = await auditRows({ userId, action: 'sign_in' });
    const reasons = rows
      .filter((r) => r.outcome === 'failure')
      .map((r) => (r.details as { reason: string }).reason);
    return {
      checked: reasons.filter((r) => r !== 'locked').length,
      refused: reasons.filter((r) => r === 'locked').length,
    };
  }

  it(`check at most ${FREE_FAILURES} of 30 wrong passwords, and count the rest as refused`, async () => {
    const user = await patientUser();
    const client = browser();
    await client.refreshCsrf();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signIn(client, user.email, `parallel guess ${i}`)),
    );
    const { checked, refused } = await judged(user.id);
    expect(checked).toBeLessThanOrEqual(FREE_FAILURES);
    expect(checked + refused).toBe(30);
    expect(answers.filter((a) => a.statusCode === 429).length).toBeGreaterThanOrEqual(
      30 - FREE_FAILURES + 1,
    );
    // The lock is the one a fifth failure starts (one minute), not lengthened by the rest.
    const row = await suite.t.database.db
      .selectFrom('sign_in_throttle')
      .select(['failures', 'locked_until'])
      .where('key', '=', `email:${user.email}`)
      .executeTakeFirstOrThrow();
    expect(row.failures).toBe(FREE_FAILURES);
    expect((row.locked_until as Date).getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
    expect((await signIn(browser(), user.email)).statusCode).toBe(429);
  });

  it(`check at most ${FREE_FAILURES} of 30 wrong codes spread over several half-finished sign-ins`, async () => {
    const user = await patientUser({ totp: true });
    const clients: Client[] = [];
    for (let i = 0; i < MAX_PENDING_SESSIONS; i += 1) {
      const client = browser();
      expect((await signIn(client, user.email)).json().next).toBe('mfa');
      clients.push(client);
    }
    const code = wrongCode(user.totpSecret as string);
    const answers = await Promise.all(
      clients.flatMap((c) => Array.from({ length: 6 }, () => c.post('/api/session/mfa', { code }))),
    );
    expect(answers.every((a) => a.statusCode === 401 || a.statusCode === 429)).toBe(true);
    const { checked } = await judged(user.id);
    expect(checked).toBeLessThanOrEqual(FREE_FAILURES);
  });

  it(`check at most ${FREE_FAILURES} of 30 wrong step-up passwords`, async () => {
    const user = await patientUser();
    const client = await signedInClient(suite.t, user);
    client.ip = browser().ip;
    await client.refreshCsrf();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        client.post('/api/session/reauthenticate', { password: `parallel guess ${i}` }),
      ),
    );
    const { checked, refused } = await judged(user.id);
    expect(checked).toBeLessThanOrEqual(FREE_FAILURES);
    expect(checked + refused).toBe(30);
  });

  it(`keep at most ${MAX_PENDING_SESSIONS} sign-ins waiting for a second factor, ending the oldest`, async () => {
    const user = await patientUser({ totp: true });
    const clients: Client[] = [];
    for (let i = 0; i < MAX_PENDING_SESSIONS + 2; i += 1) {
      const client = browser();
      await signIn(client, user.email);
      clients.push(client);
    }
    expect(await openSessions(user.id)).toHaveLength(MAX_PENDING_SESSIONS);
    const states = await Promise.all(
      clients.map(async (c) => (await c.get('/api/session')).json()),
    );
    expect(states.map((s) => s.signedIn)).toEqual([
      false,
      false,
      ...Array(MAX_PENDING_SESSIONS).fill(true),
    ]);
    const ended = await suite.t.database.db
      .selectFrom('sessions')
      .select('end_reason')
      .where('user_id', '=', user.id)
      .where('ended_at', 'is not', null)
      .execute();
    expect(ended).toEqual([{ end_reason: 'rotated' }, { end_reason: 'rotated' }]);
    // A complete session does not count: it is not waiting for anything.
    const code = generateSync({ secret: user.totpSecret as string });
    expect((await clients[6]?.post('/api/session/mfa', { code }))?.statusCode).toBe(200);
    await signIn(browser(), user.email);
    expect(await openSessions(user.id)).toHaveLength(MAX_PENDING_SESSIONS + 1);
  });
});

/** A six-digit code the authenticator app is not showing now (nor a step either side). */
function wrongCode(secret: string): string {
  const now = Math.floor(Date.now() / 1000);
  const valid = [-60, -30, 0, 30, 60].map((d) => generateSync({ secret, epoch: now + d }));
  let n = 0;
  while (valid.includes(String(n).padStart(6, '0'))) n += 1;
  return String(n).padStart(6, '0');
}

describe('the client address', () => {
  /** The address a failed sign-in is audited with, on an app with this TRUST_PROXY. */
  async function recordedIp(trustProxy: string | undefined, from: string, forwarded: string) {
    const other = await testApp({
      database: suite.t.database,
      env: trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy },
    });
    try {
      const client = new Client(other.app);
      client.ip = from;
      const res = await client.request({
        method: 'POST',
        url: '/api/session',
        headers: { 'x-forwarded-for': forwarded },
        payload: { email: `nobody-${randomUUID()}@example.org`, password: 'a wrong one' },
      });
      expect(res.statusCode).toBe(401);
      const row = await suite.t.database.db
        .selectFrom('audit_events')
        .select('ip')
        .where('request_id', '=', res.headers['x-request-id'] as string)
        .where('action', '=', 'sign_in')
        .executeTakeFirstOrThrow();
      return row.ip;
    } finally {
      await other.close();
    }
  }

  const FORGED = '6.6.6.6';
  const CLIENT = '198.51.100.9';

  it.each([
    ['no proxy (the default)', undefined, '203.0.113.5', `${FORGED}`, '203.0.113.5'],
    ['one load balancer', '1', '10.0.0.2', `${FORGED}, ${CLIENT}`, CLIENT],
    ['two proxies', '2', '10.0.0.2', `${FORGED}, ${CLIENT}, 10.0.0.7`, CLIENT],
    [
      'proxy addresses',
      '10.0.0.0/8,127.0.0.1',
      '10.0.0.2',
      `${FORGED}, ${CLIENT}, 10.0.0.7`,
      CLIENT,
    ],
    ['a client not behind the proxies', '10.0.0.0/8', '203.0.113.50', FORGED, '203.0.113.50'],
  ])(
    'is taken from X-Forwarded-For only as far as it is trusted: %s',
    async (_what, trust, from, forwarded, expected) => {
      const ip = await recordedIp(trust, from, forwarded);
      expect(ip).toBe(expected);
      expect(ip).not.toBe(FORGED);
    },
  );

  it('is throttled by its /64 for IPv6, and as IPv4 when IPv4-mapped', () => {
    expect(ipKey('192.0.2.7')).toBe('ip:192.0.2.7');
    expect(ipKey('::ffff:192.0.2.7')).toBe('ip:192.0.2.7');
    expect(ipKey('::FFFF:c000:0207')).toBe('ip:192.0.2.7');
    expect(ipKey('2001:db8:1:2:3:4:5:6')).toBe('ip:2001:db8:1:2::/64');
    expect(ipKey('2001:0db8:0001:0002::99')).toBe('ip:2001:db8:1:2::/64');
    expect(ipKey('2001:db8:1:3::1')).toBe('ip:2001:db8:1:3::/64');
    expect(ipKey('fe80::1%eth0')).toBe('ip:fe80:0:0:0::/64');
    expect(ipKey('::1')).toBe('ip:0:0:0:0::/64');
  });

  it('keys every address of one /64 alike, however it is written', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    const hex = (g: number) => g.toString(16);
    fc.assert(
      fc.property(
        fc.array(group, { minLength: 8, maxLength: 8 }),
        fc.array(group, { minLength: 4, maxLength: 4 }),
        (a, hostB) => {
          // (A /64 of all zeros holds the IPv4-mapped addresses, keyed as IPv4.)
          fc.pre(a.slice(0, 4).some((g) => g !== 0));
          const full = a.map((g) => hex(g).padStart(4, '0')).join(':');
          const sameBlock = [...a.slice(0, 4), ...hostB].map(hex).join(':');
          const compressed = `${a.slice(0, 4).map(hex).join(':')}::${hex(a[7] as number)}`;
          expect(ipKey(sameBlock)).toBe(ipKey(full));
          expect(ipKey(compressed.toUpperCase())).toBe(ipKey(full));
          expect(ipKey(full)).toBe(`ip:${a.slice(0, 4).map(hex).join(':')}::/64`);
        },
      ),
    );
  });
});

describe('signing out', () => {
  it("ends the session, clears the cookie and the browser's data, and is audited", async () => {
    const user = await patientUser();
    const client = browser();
    await signIn(client, user.email);
    const [session] = await openSessions(user.id);
    const res = await client.delete('/api/session');
    expect(res.statusCode).toBe(204);
    expect(res.headers['clear-site-data']).toBe('"cache", "cookies", "storage"');
    const cleared = res.cookies.find((c) => c.name === cookieName());
    expect(cleared?.value).toBe('');
    const ended = await suite.t.database.db
      .selectFrom('sessions')
      .select(['ended_at', 'end_reason'])
      .where('id', '=', session?.id as string)
      .executeTakeFirstOrThrow();
    expect(ended.end_reason).toBe('sign_out');
    expect(await auditRows({ userId: user.id, action: 'sign_out' })).toMatchObject([
      { outcome: 'success', resource_id: session?.id },
    ]);
    expect((await client.get('/api/session')).json().signedIn).toBe(false);
  });

  it('works while the second factor is still due', async () => {
    const nurse = await createUser(suite.t.database.db, suite.t.config, {
      roles: [{ role: 'nurse', clinicId: suite.clinicId }],
    });
    const client = browser();
    await signIn(client, nurse.email);
    expect((await client.delete('/api/session')).statusCode).toBe(204);
    expect(await openSessions(nurse.id)).toHaveLength(0);
  });
});

describe('keep-alive', () => {
  it('touches the session even right after another request', async () => {
    const user = await patientUser();
    const client = await signedInClient(suite.t, user);
    const [session] = await openSessions(user.id);
    const recently = new Date(Date.now() - 5_000);
    await suite.t.database.db
      .updateTable('sessions')
      .set({ last_seen_at: recently })
      .where('id', '=', session?.id as string)
      .execute();
    const res = await client.post('/api/session/keep-alive');
    expect(res.statusCode).toBe(200);
    const [after] = await openSessions(user.id);
    expect(after?.last_seen_at.getTime()).toBeGreaterThan(recently.getTime());
    expect(Date.parse(res.json().idleExpiresAt)).toBe(
      (after?.last_seen_at.getTime() as number) + (after?.idle_minutes as number) * 60_000,
    );
  });
});

describe('step-up', () => {
  async function staleClient(options: { totp?: boolean } = {}) {
    const user = await patientUser(options);
    const client = await signedInClient(suite.t, user);
    client.ip = browser().ip;
    await suite.t.database.db
      .updateTable('sessions')
      .set({ reauthenticated_at: new Date(Date.now() - 10 * 60_000) })
      .where('user_id', '=', user.id)
      .execute();
    return { user, client };
  }

  it('is required when the last password is older than 5 minutes, and given by the password', async () => {
    const { user, client } = await staleClient();
    const refused = await client.post('/api/test/sensitive');
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toEqual({
      code: 'reauthentication_required',
      message: "Confirm it's you: enter your password again.",
    });
    const wrong = await client.post('/api/session/reauthenticate', { password: 'not my password' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
    const oldToken = client.cookies.get(cookieName());
    const ok = await client.post('/api/session/reauthenticate', { password: TEST_PASSWORD });
    expect(ok.statusCode).toBe(200);
    expect(Date.parse(ok.json().recentAuthUntil)).toBeGreaterThan(Date.now());
    expect(client.cookies.get(cookieName())).not.toBe(oldToken);
    expect((await client.post('/api/test/sensitive')).json()).toEqual({ ok: true });
    const rows = await auditRows({ userId: user.id, action: 'sign_in' });
    expect(rows.map((r) => [r.outcome, r.details])).toEqual([
      ['failure', { factor: 'password', reason: 'wrong_password', stepUp: true }],
      ['success', { factor: 'password', stepUp: true }],
    ]);
  });

  it('is given by a code from the authenticator app, once per code', async () => {
    const { user, client } = await staleClient({ totp: true });
    const code = generateSync({ secret: user.totpSecret as string });
    expect((await client.post('/api/session/reauthenticate', { code })).statusCode).toBe(200);
    await suite.t.database.db
      .updateTable('sessions')
      .set({ reauthenticated_at: new Date(Date.now() - 10 * 60_000) })
      .where('user_id', '=', user.id)
      .execute();
    const replay = await client.post('/api/session/reauthenticate', { code });
    expect(replay.json().error.code).toBe('invalid_code');
  });

  it('takes a password or a code, not both', async () => {
    const { client } = await staleClient();
    const res = await client.post('/api/session/reauthenticate', {
      password: TEST_PASSWORD,
      code: '123456',
    });
    expect(res.statusCode).toBe(400);
  });
});
