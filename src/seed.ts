// Demo data for a first look: the three pilot clinics, fictional patients
// and an account for every role. Idempotent: a clinic that exists (by slug),
// a patient (by MRN) or an account (by e-mail) is left as it is.
import { type Kysely, sql } from 'kysely';
import type { Config } from './config.ts';
import { type DemoPatient, seedDemoPeople } from './modules/accounts/demo.ts';
import { demoClinics } from './modules/clinics/demo.ts';
import { addClinic } from './modules/clinics/store.ts';
import { seedMessagingDemo } from './modules/messaging/demo.ts';
import { seedRefillDemo } from './modules/refills/demo.ts';
import { seedVisitTypes } from './modules/scheduling/demo.ts';
import type { Schema } from './platform/db/schema.ts';

const SEED_LOCK = 7_401_228;

export interface Seeded {
  clinicsAdded: number;
  accountsAdded: number;
}

/**
 * Clinics always; demo people too when given the config (their TOTP secrets
 * are encrypted): the demo EHR's patients when given, else stand-ins.
 */
export async function seedDemo(
  db: Kysely<Schema>,
  config?: Pick<Config, 'encryptionKey'>,
  people?: DemoPatient[],
): Promise<Seeded> {
  let clinicsAdded = 0;
  for (const clinic of demoClinics) if (await addClinic(db, clinic)) clinicsAdded++;
  await seedVisitTypes(db);
  await seedRefillDemo(db);
  await seedMessagingDemo(db);
  const accountsAdded = config ? await seedDemoPeople(db, config, people) : 0;
  return { clinicsAdded, accountsAdded };
}

/**
 * On start: seed only what is still empty (no clinics; no people at all),
 * so later edits are never undone.
 */
export async function seedIfEmpty(
  db: Kysely<Schema>,
  config: Pick<Config, 'encryptionKey'>,
  /** The demo EHR's patients, asked for only when people are seeded. */
  people?: () => Promise<DemoPatient[]>,
): Promise<Seeded> {
  // Several instances may start together on one database: one seeds at a time.
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${SEED_LOCK})`.execute(conn);
    try {
      const any = await conn.selectFrom('clinics').select('id').limit(1).executeTakeFirst();
      const clinicsAdded = any ? 0 : (await seedDemo(conn)).clinicsAdded;
      if (any) await seedVisitTypes(conn);
      if (any) await seedRefillDemo(conn);
      if (any) await seedMessagingDemo(conn);
      const anyone = await conn.selectFrom('users').select('id').limit(1).executeTakeFirst();
      const patients = await conn.selectFrom('patients').select('id').limit(1).executeTakeFirst();
      const accountsAdded =
        anyone || patients ? 0 : await seedDemoPeople(conn, config, await people?.());
      return { clinicsAdded, accountsAdded };
    } finally {
      await sql`select pg_advisory_unlock(${SEED_LOCK})`.execute(conn);
    }
  });
}
