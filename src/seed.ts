// Demo data for a first look: the three pilot clinics, fictional patients
// and an account for every role. Idempotent: a clinic that exists (by slug),
// a patient (by MRN) or an account (by e-mail) is left as it is.
import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import { seedDemoPeople } from './modules/accounts/demo.ts';
import { demoClinics } from './modules/clinics/demo.ts';
import { addClinic } from './modules/clinics/store.ts';
import type { Schema } from './platform/db/schema.ts';

export interface Seeded {
  clinicsAdded: number;
  accountsAdded: number;
}

/** Clinics always; demo people too when given the config (their TOTP secrets are encrypted). */
export async function seedDemo(
  db: Kysely<Schema>,
  config?: Pick<Config, 'encryptionKey'>,
): Promise<Seeded> {
  let clinicsAdded = 0;
  for (const clinic of demoClinics) if (await addClinic(db, clinic)) clinicsAdded++;
  const accountsAdded = config ? await seedDemoPeople(db, config) : 0;
  return { clinicsAdded, accountsAdded };
}

/**
 * On start: seed only what is still empty (no clinics; no people at all),
 * so later edits are never undone.
 */
export async function seedIfEmpty(
  db: Kysely<Schema>,
  config: Pick<Config, 'encryptionKey'>,
): Promise<Seeded> {
  const any = await db.selectFrom('clinics').select('id').limit(1).executeTakeFirst();
  const clinicsAdded = any ? 0 : (await seedDemo(db)).clinicsAdded;
  const people = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  const patients = await db.selectFrom('patients').select('id').limit(1).executeTakeFirst();
  const accountsAdded = people || patients ? 0 : await seedDemoPeople(db, config);
  return { clinicsAdded, accountsAdded };
}
