// Signed-in sessions kept in memory for a few seconds: answered from memory,
// and forgotten the moment anything about them changes, whoever changes it.
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../src/platform/auth/context.ts';
import { SessionCache, type SignedIn } from '../src/platform/auth/session-cache.ts';
import { createSession, type SessionRow } from '../src/platform/auth/sessions.ts';
import { hashToken } from '../src/platform/crypto/crypto.ts';
import type { SessionChange } from '../src/platform/db/session-changes.ts';
import { secondInstance, type TestApp, testApp } from './support/app.ts';
import { Client } from './support/client.ts';
import { serverUrl } from './support/database.ts';
import { createClinic, createUser, signedInClient } from './support/factories.ts';

const routes: FastifyPluginAsync = async (app) => {
  app.get('/api/test/nurses', { config: { access: { roles: ['nurse'] } } }, async () => ({
    ok: true,
  }));
};

let t: TestApp;
let clinicId: string;
beforeAll(async () => {
  t = await testApp({ plugins: [routes] });
  clinicId = (await createClinic(t.database.db)).id;
});
afterAll(() => t.close());

/** Lookups so far, by where the session was found. */
async function lookups(app: TestApp['app']) {
  const metric = app.metricsRegistry.getSingleMetric('session_lookups_total');
  const values = (await metric?.get())?.values ?? [];
  const count = (where: string) => values.find((v) => v.labels.found_in === where)?.value ?? 0;
  return { memory: count('memory'), database: count('database') };
}

/**
 * On PostgreSQL another writer's change arrives as a notice on another
 * connection, a moment after its commit: ask until `ok`, for at most 3 s.
 */
async function eventually(ask: () => Promise<boolean>): Promise<boolean> {
  for (let waited = 0; waited < 3_000; waited += 50) {
    if (await ask()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return ask();
}

const signedIn = async (client: { get(url: string): Promise<{ json(): unknown }> }) =>
  ((await client.get('/api/session')).json() as { signedIn: boolean }).signedIn;

describe('an instance keeps signed-in sessions', () => {
  it('answers a user’s next requests from memory', async () => {
    const user = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId }],
    });
    const client = await signedInClient(t, user);
    const before = await lookups(t.app);
    for (let i = 0; i < 3; i++) expect(await signedIn(client)).toBe(true);
    const after = await lookups(t.app);
    expect(after.database - before.database).toBe(1);
    expect(after.memory - before.memory).toBe(2);
  });

  it('keeps a user’s session while someone else’s account changes', async () => {
    const user = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId }],
    });
    const other = await createUser(t.database.db, t.config, { roles: [] });
    const client = await signedInClient(t, user);
    expect(await signedIn(client)).toBe(true);
    await t.database.db
      .updateTable('users')
      .set({ display_name: 'Someone else' })
      .where('id', '=', other.id)
      .execute();
    const before = await lookups(t.app);
    expect(await signedIn(client)).toBe(true);
    expect((await lookups(t.app)).memory - before.memory).toBe(1);
  });

  it('hears a role and an account changed by an operator’s SQL', async () => {
    const user = await createUser(t.database.db, t.config, {
      roles: [{ role: 'patient', clinicId: null }],
    });
    const client = await signedInClient(t, user);
    expect((await client.get('/api/test/nurses')).statusCode).toBe(403);
    await sql`insert into user_roles (user_id, role, clinic_id) values (${user.id}, 'nurse', ${clinicId})`.execute(
      t.database.db,
    );
    expect(
      await eventually(async () => (await client.get('/api/test/nurses')).statusCode === 200),
    ).toBe(true);
    await sql`update users set status = 'disabled' where id = ${user.id}`.execute(t.database.db);
    expect(await eventually(async () => !(await signedIn(client)))).toBe(true);
  });

  it('ends a session kept in memory when its idle time was reached', async () => {
    const user = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId }],
    });
    const client = await signedInClient(t, user);
    expect(await signedIn(client)).toBe(true);
    await t.database.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - 16 * 60_000) })
      .where('user_id', '=', user.id)
      .execute();
    expect((await client.get('/api/session')).json()).toMatchObject({
      signedIn: false,
      signedOutReason: 'timeout',
    });
  });
});

describe('the idle clock', () => {
  const lastSeen = async (userId: string) =>
    (
      await t.database.db
        .selectFrom('sessions')
        .select('last_seen_at')
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow()
    ).last_seen_at.getTime();

  it('moves forward in the database within a second or so of what the user does', async () => {
    const user = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId }],
    });
    const client = await signedInClient(t, user);
    const earlier = Date.now() - 10 * 60_000;
    await t.database.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(earlier) })
      .where('user_id', '=', user.id)
      .execute();
    // The web app's background reads (the unread badge) are not the user doing something.
    expect((await client.get('/api/session', { 'x-background': '1' })).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await lastSeen(user.id)).toBe(earlier);
    const asked = Date.now();
    expect(await signedIn(client)).toBe(true);
    expect(await eventually(async () => (await lastSeen(user.id)) >= asked)).toBe(true);
  });
});

describe('two instances', () => {
  let second: TestApp;
  beforeAll(async () => {
    second = await secondInstance(t, { plugins: [routes] });
  });
  afterAll(() => second.close());

  it('a sign-out on one is refused on the other, which had the session in memory', async () => {
    const user = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId }],
    });
    const one = await signedInClient(t, user);
    const other = new Client(second.app);
    for (const [name, value] of one.cookies) other.cookies.set(name, value);
    expect(await signedIn(other)).toBe(true);
    expect(await signedIn(other)).toBe(true); // now from memory
    expect((await one.request({ method: 'DELETE', url: '/api/session' })).statusCode).toBe(204);
    expect(await eventually(async () => !(await signedIn(other)))).toBe(true);
  });
});

describe.skipIf(!serverUrl)('when the listening connection is lost (PostgreSQL)', () => {
  it('reads every session from the database until it listens again', async () => {
    const user = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId }],
    });
    const client = await signedInClient(t, user);
    expect(await signedIn(client)).toBe(true);
    const admin = new pg.Client({ connectionString: t.database.url });
    await admin.connect();
    try {
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where application_name = 'patient-portal-listen' and datname = current_database()`,
      );
      // The instance notices the loss, and while deaf keeps nothing.
      expect(
        await eventually(async () => {
          const before = await lookups(t.app);
          await signedIn(client);
          await signedIn(client);
          return (await lookups(t.app)).memory === before.memory;
        }),
      ).toBe(true);
      // A change made meanwhile is seen, since nothing is kept.
      await admin.query(`update users set status = 'disabled' where id = $1`, [user.id]);
      expect(await signedIn(client)).toBe(false);
      // A second later it listens again, and keeps sessions again.
      const nurse = await createUser(t.database.db, t.config, {
        roles: [{ role: 'nurse', clinicId }],
      });
      const again = await signedInClient(t, nurse);
      expect(
        await eventually(async () => {
          const before = await lookups(t.app);
          await signedIn(again);
          await signedIn(again);
          return (await lookups(t.app)).memory > before.memory;
        }),
      ).toBe(true);
    } finally {
      await admin.end();
    }
  });
});

describe('changes to who is signed in', () => {
  it('are told by this process at once, and by the database by user id', async () => {
    const user = await createUser(t.database.db, t.config, { roles: [] });
    const heard: (SessionChange | null)[] = [];
    const stop = await t.database.sessionChanges.watch({
      changed: (who) => heard.push(who),
      hearing: () => {},
    });
    try {
      const rename = (column: 'id' | 'email' | 'display_name', value: string) =>
        t.database.db
          .updateTable('users')
          .set({ display_name: 'Renamed' })
          .where(column, '=', value)
          .execute();
      await rename('id', '00000000-0000-4000-8000-000000000000'); // nobody: nothing changed
      expect(heard).toEqual([]);
      // This process's own writes are told before their promise settles, naming whose they were.
      await rename('id', user.id);
      expect(heard).toContainEqual({ userId: user.id });
      await rename('email', user.email);
      expect(heard).toContainEqual({ email: user.email });
      await rename('display_name', 'Renamed');
      expect(heard).toContain(null); // rows it cannot name: anyone's
      await t.database.db
        .insertInto('user_roles')
        .values({ user_id: user.id, role: 'nurse', clinic_id: clinicId })
        .execute();
      expect(heard.at(-1)).toEqual({ userId: user.id });
      // And the database tells every instance, by user id, whoever wrote it
      // (in commit order, so once this is heard so are the writes above).
      const operated = await createUser(t.database.db, t.config, { roles: [] });
      await sql`update users set display_name = 'Again' where id = ${operated.id}`.execute(
        t.database.db,
      );
      expect(await eventually(async () => heard.some((w) => w?.userId === operated.id))).toBe(true);
      // The idle clock's tick moves forward in silence.
      heard.length = 0;
      const { token } = await createSession(t.database.db, {
        userId: user.id,
        idleMinutes: 15,
        maxHours: 1,
        mfaVerified: true,
        ip: null,
        userAgent: null,
      });
      await sql`update sessions set last_seen_at = now() + interval '1 second'
        where token_hash = ${hashToken(token)}`.execute(t.database.db);
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toEqual([]);
    } finally {
      await stop();
    }
  });
});

describe('the cache itself', () => {
  const entry = (userId: string, lastSeen = new Date()): SignedIn => ({
    session: {
      id: `s-${userId}`,
      user_id: userId,
      last_seen_at: lastSeen,
      expires_at: new Date(Date.now() + 3_600_000),
      idle_minutes: 15,
    } as SessionRow,
    user: { id: userId, email: `${userId}@example.org` } as SessionUser,
  });
  const reader = (e: SignedIn) => {
    const reads = { count: 0 };
    const read = async () => {
      reads.count++;
      return e;
    };
    return { reads, read };
  };

  it('trusts an entry for half to all of its lifetime only, and keeps nothing until it can hear', async () => {
    let now = 1_000_000;
    const cache = new SessionCache(30_000, () => now);
    const { reads, read } = reader(entry('u1'));
    await cache.find('h', read);
    await cache.find('h', read);
    expect(reads.count).toBe(2); // not hearing yet
    cache.hearing(true);
    await cache.find('h', read);
    await cache.find('h', read);
    expect(reads.count).toBe(3);
    now += 14_999; // at least half its lifetime
    await cache.find('h', read);
    expect(reads.count).toBe(3);
    now += 15_001; // at most all of it
    await cache.find('h', read);
    expect(reads.count).toBe(4);
    cache.hearing(false);
    await cache.find('h', read);
    expect(reads.count).toBe(5);
  });

  it('forgets the entries a change names (user, session or e-mail), or all of them', async () => {
    const cache = new SessionCache(30_000);
    cache.hearing(true);
    const a = reader(entry('a'));
    const b = reader(entry('b'));
    await cache.find('ha', a.read);
    await cache.find('hb', b.read);
    cache.changed({ userId: 'a' });
    await cache.find('ha', a.read);
    await cache.find('hb', b.read);
    expect([a.reads.count, b.reads.count]).toEqual([2, 1]);
    cache.changed({ sessionId: 's-b' });
    cache.changed({ email: 'a@example.org' });
    await cache.find('ha', a.read);
    await cache.find('hb', b.read);
    expect([a.reads.count, b.reads.count]).toEqual([3, 2]);
    cache.changed(null);
    await cache.find('ha', a.read);
    await cache.find('hb', b.read);
    expect([a.reads.count, b.reads.count]).toEqual([4, 3]);
  });

  it('does not keep a read that a change overtook', async () => {
    const cache = new SessionCache(30_000);
    cache.hearing(true);
    const { reads, read } = reader(entry('a'));
    await cache.find('h', async () => {
      cache.changed({ userId: 'a' }); // committed while this read was on its way
      return read();
    });
    await cache.find('h', read);
    expect(reads.count).toBe(2);
  });

  it('reads again a session that looks idle, and hands each request its own copy', async () => {
    const cache = new SessionCache(30_000);
    cache.hearing(true);
    const idle = reader(entry('a', new Date(Date.now() - 16 * 60_000)));
    await cache.find('h', idle.read);
    await cache.find('h', idle.read);
    expect(idle.reads.count).toBe(2);
    const fresh = reader(entry('b'));
    const first = await cache.find('k', fresh.read);
    if (first) first.session.acting_for_patient_id = 'someone';
    const second = await cache.find('k', fresh.read);
    expect(second?.session.acting_for_patient_id).toBeUndefined();
    expect(fresh.reads.count).toBe(1);
  });
});
