// What the sign-in test files share: the app on a fresh database with one
// clinic, browsers from addresses of their own, and the usual lookups.
import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { type TestApp, testApp } from './app.ts';
import { Client } from './client.ts';
import { createClinic, createPatient, createUser, TEST_PASSWORD } from './factories.ts';

/**
 * Registers the file's beforeAll/afterAll and returns the helpers. Each file
 * gives its own address range: `address(n)` for its n-th browser, from 1.
 */
export function signInSuite(options: {
  address: (n: number) => string;
  plugins?: FastifyPluginAsync[];
}) {
  let t: TestApp;
  let clinicId: string;
  let ipCounter = 0;
  beforeAll(async () => {
    t = await testApp({ plugins: options.plugins });
    clinicId = (await createClinic(t.database.db)).id;
  });
  afterAll(() => t.close());

  return {
    /** Set once the file's beforeAll has run. */
    get t(): TestApp {
      return t;
    },
    /** Set once the file's beforeAll has run. */
    get clinicId(): string {
      return clinicId;
    },

    /** A browser of its own, from an address of its own, so IP throttling stays per test. */
    browser() {
      const client = new Client(t.app);
      ipCounter += 1;
      client.ip = options.address(ipCounter);
      return client;
    },

    signIn: (client: Client, email: string, password = TEST_PASSWORD) =>
      client.post('/api/session', { email, password }),

    async patientUser(userOptions: { totp?: boolean } = {}) {
      const patient = await createPatient(t.database.db, { clinicId });
      return createUser(t.database.db, t.config, {
        roles: [{ role: 'patient', clinicId }],
        patientId: patient.id,
        ...userOptions,
      });
    },

    /** The user's own audit rows for one action, oldest first. */
    audits: (userId: string, action: string) =>
      t.database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('actor_user_id', '=', userId)
        .where('action', '=', action as never)
        .orderBy('id')
        .execute(),

    openSessions: (userId: string) =>
      t.database.db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('ended_at', 'is', null)
        .execute(),
  };
}
