// Demo data for a first look: the three pilot clinics. Idempotent: a clinic
// that exists (by slug) is left as it is.
import type { Kysely } from 'kysely';
import { demoClinics } from './modules/clinics/demo.ts';
import { addClinic } from './modules/clinics/store.ts';
import type { Schema } from './platform/db/schema.ts';

export async function seedDemo(db: Kysely<Schema>): Promise<{ clinicsAdded: number }> {
  let clinicsAdded = 0;
  for (const clinic of demoClinics) if (await addClinic(db, clinic)) clinicsAdded++;
  return { clinicsAdded };
}

/** On start: seed only a brand-new database, so later edits are never undone. */
export async function seedIfEmpty(db: Kysely<Schema>) {
  const any = await db.selectFrom('clinics').select('id').limit(1).executeTakeFirst();
  return any ? { clinicsAdded: 0 } : seedDemo(db);
}
