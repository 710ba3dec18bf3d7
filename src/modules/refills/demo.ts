// The demo clinics' refill set-up: a few nearby pharmacies each, the default
// rules written out, and a nurse protocol for common maintenance drugs.
// The pharmacies are fictional; phone numbers are in the 555-01xx range
// reserved for fiction. Idempotent: a clinic that has pharmacies, rules or
// a protocol entry keeps what it has.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { demoClinics } from '../clinics/demo.ts';
import { DEFAULT_REFILL_RULES } from './clinic-rules.ts';

type Db = Kysely<Schema>;

interface DemoPharmacy {
  name: string;
  address: string;
  phone: string;
  ncpdpId: string;
}

export const demoPharmacies: Record<string, DemoPharmacy[]> = {
  riverside: [
    pharmacy(
      'Hudson Corner Pharmacy',
      '88 Pearl Street, Albany, NY 12207',
      '+1-518-555-0161',
      '3310001',
    ),
    pharmacy(
      'Capitol Drug & Wellness',
      '412 Madison Avenue, Albany, NY 12210',
      '+1-518-555-0163',
      '3310002',
    ),
    pharmacy(
      'Pine Bush Apothecary',
      '1520 Western Avenue, Albany, NY 12203',
      '+1-518-555-0167',
      '3310003',
    ),
  ],
  prairie: [
    pharmacy(
      'Lakefront Pharmacy',
      '230 North State Street, Chicago, IL 60601',
      '+1-312-555-0181',
      '1410001',
    ),
    pharmacy(
      'Wabash Family Drugstore',
      '515 South Wabash Avenue, Chicago, IL 60605',
      '+1-312-555-0184',
      '1410002',
    ),
    pharmacy(
      'Prairie Avenue Rx',
      '1800 South Prairie Avenue, Chicago, IL 60616',
      '+1-312-555-0186',
      '1410003',
    ),
    pharmacy(
      'Pilsen Community Pharmacy',
      '1100 West 18th Street, Chicago, IL 60608',
      '+1-312-555-0189',
      '1410004',
    ),
  ],
  foothills: [
    pharmacy(
      'Mesa Verde Pharmacy',
      '910 Mesa Drive, Denver, CO 80202',
      '+1-303-555-0121',
      '0610001',
    ),
    pharmacy(
      'Larimer Square Drug',
      '1430 Larimer Street, Denver, CO 80202',
      '+1-303-555-0124',
      '0610002',
    ),
    pharmacy(
      'Cherry Creek Apothecary',
      '250 Steele Street, Denver, CO 80206',
      '+1-303-555-0128',
      '0610003',
    ),
  ],
};

/** Long-term medications a nurse may approve under the demo clinics' protocol (RxNorm). */
export const demoProtocols = [
  { rxnorm_code: '314076', name: 'Lisinopril 10 MG Oral Tablet' },
  { rxnorm_code: '316049', name: 'Hydrochlorothiazide 25 MG' },
  { rxnorm_code: '312961', name: 'Simvastatin 20 MG Oral Tablet' },
  { rxnorm_code: '197361', name: 'Amlodipine 5 MG Oral Tablet' },
];

function pharmacy(name: string, address: string, phone: string, ncpdpId: string): DemoPharmacy {
  return { name, address, phone, ncpdpId };
}

/** Adds what each demo clinic lacks; returns how many pharmacies it added. */
export async function seedRefillDemo(db: Db): Promise<number> {
  const clinics = await db
    .selectFrom('clinics')
    .select(['id', 'slug'])
    .where(
      'slug',
      'in',
      demoClinics.map((c) => c.slug),
    )
    .execute();
  let added = 0;
  for (const clinic of clinics) {
    added += await seedPharmacies(db, clinic.id, demoPharmacies[clinic.slug] ?? []);
    await db
      .insertInto('refill_rules')
      .values({
        clinic_id: clinic.id,
        early_days: DEFAULT_REFILL_RULES.earlyDays,
        controlled_online: DEFAULT_REFILL_RULES.controlledOnline,
        target_business_days: DEFAULT_REFILL_RULES.targetBusinessDays,
      })
      .onConflict((oc) => oc.column('clinic_id').doNothing())
      .execute();
    await db
      .insertInto('refill_protocols')
      .values(demoProtocols.map((p) => ({ ...p, clinic_id: clinic.id })))
      .onConflict((oc) => oc.columns(['clinic_id', 'rxnorm_code']).doNothing())
      .execute();
  }
  return added;
}

/** A clinic's directory is its own once it has any pharmacy: only an empty one is filled. */
async function seedPharmacies(db: Db, clinicId: string, list: DemoPharmacy[]): Promise<number> {
  if (list.length === 0) return 0;
  const any = await db
    .selectFrom('pharmacies')
    .select('id')
    .where('clinic_id', '=', clinicId)
    .limit(1)
    .executeTakeFirst();
  if (any) return 0;
  await db
    .insertInto('pharmacies')
    .values(
      list.map((p) => ({
        clinic_id: clinicId,
        name: p.name,
        address: p.address,
        phone: p.phone,
        ncpdp_id: p.ncpdpId,
      })),
    )
    .execute();
  return list.length;
}
