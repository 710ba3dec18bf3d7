// Builders for test data: each test makes the clinics, patients and people
// it needs, with unique names, instead of sharing seeded accounts.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { generateSecret } from 'otplib';
import type { Config } from '../../src/config.ts';
import { hashPassword } from '../../src/modules/accounts/passwords.ts';
import type { Role } from '../../src/modules/accounts/tables.ts';
import {
  createSession,
  idleMinutesFor,
  sessionCookieName,
} from '../../src/platform/auth/sessions.ts';
import { encrypt } from '../../src/platform/crypto/crypto.ts';
import type { Schema } from '../../src/platform/db/schema.ts';
import type { TestApp } from './app.ts';
import { Client } from './client.ts';

type Db = Kysely<Schema>;
const unique = () => randomUUID().slice(0, 8);

export async function createClinic(db: Db, name = `Clinic ${unique()}`) {
  return db
    .insertInto('clinics')
    .values({
      slug: `c-${unique()}`,
      name,
      time_zone: 'America/Chicago',
      phone: '+1-555-0100',
      address_line1: '1 Main Street',
      city: 'Springfield',
      state: 'IL',
      postal_code: '62701',
    })
    .returning(['id', 'slug', 'name'])
    .executeTakeFirstOrThrow();
}

export async function createPatient(
  db: Db,
  options: {
    clinicId: string;
    givenName?: string;
    familyName?: string;
    birthDate?: string;
    email?: string;
  },
) {
  const patient = await db
    .insertInto('patients')
    .values({
      given_name: options.givenName ?? 'Test',
      family_name: options.familyName ?? `Patient-${unique()}`,
      birth_date: options.birthDate ?? '1980-04-12',
      email: options.email ?? null,
    })
    .returning(['id', 'given_name', 'family_name', 'birth_date'])
    .executeTakeFirstOrThrow();
  await db
    .insertInto('patient_clinics')
    .values({ patient_id: patient.id, clinic_id: options.clinicId, mrn: `MRN-${unique()}` })
    .execute();
  return patient;
}

export const TEST_PASSWORD = 'correct horse battery staple 42';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  totpSecret?: string;
}

/** A user with roles; `totp: true` enrols TOTP and returns its secret. */
export async function createUser(
  db: Db,
  config: Config,
  options: {
    roles: { role: Role; clinicId: string | null }[];
    patientId?: string;
    email?: string;
    name?: string;
    password?: string;
    totp?: boolean;
  },
): Promise<TestUser> {
  const password = options.password ?? TEST_PASSWORD;
  const email = options.email ?? `user-${unique()}@example.org`;
  const totpSecret = options.totp ? generateSecret() : undefined;
  const user = await db
    .insertInto('users')
    .values({
      email,
      display_name: options.name ?? `User ${unique()}`,
      password_hash: await hashPassword(password),
      patient_id: options.patientId ?? null,
      totp_secret: totpSecret ? encrypt(config.encryptionKey, totpSecret) : null,
      totp_enabled_at: totpSecret ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (options.roles.length)
    await db
      .insertInto('user_roles')
      .values(options.roles.map((r) => ({ user_id: user.id, role: r.role, clinic_id: r.clinicId })))
      .execute();
  return { id: user.id, email, password, totpSecret };
}

/**
 * A client already signed in as the user (second factor done), without going
 * through the sign-in routes: for tests of everything after sign-in.
 */
export async function signedInClient(
  t: TestApp,
  user: { id: string },
  options: { mfaVerified?: boolean; actingForPatientId?: string } = {},
): Promise<Client> {
  const roles = await t.database.db
    .selectFrom('user_roles')
    .select('role')
    .where('user_id', '=', user.id)
    .execute();
  const { id, token } = await createSession(t.database.db, {
    userId: user.id,
    idleMinutes: idleMinutesFor(
      t.config,
      roles.map((r) => r.role),
    ),
    maxHours: t.config.sessionMaxHours,
    mfaVerified: options.mfaVerified ?? true,
    ip: '203.0.113.10',
    userAgent: 'vitest-client',
  });
  if (options.actingForPatientId)
    await t.database.db
      .updateTable('sessions')
      .set({ acting_for_patient_id: options.actingForPatientId })
      .where('id', '=', id)
      .execute();
  const client = new Client(t.app);
  client.cookies.set(sessionCookieName(t.config), token);
  return client;
}
