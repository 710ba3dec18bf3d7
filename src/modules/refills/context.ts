// What a reviewer sees beside the request, from the portal's copy of the
// EHR record and its own appointments: every medication (any status),
// allergies, the latest laboratory results, and the last and next visit at
// the request's clinic.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { toAllergy, toResult } from '../records/map.ts';
import { cachedPage } from '../records/store.ts';
import { LIVE } from '../scheduling/tables.ts';
import { patientMedications } from './medications.ts';
import type { RefillContext } from './model.ts';

type Db = Kysely<Schema>;

const LATEST_LABS = 5;

export async function refillContext(
  db: Db,
  r: { patientId: string; clinicId: string },
  now = new Date(),
): Promise<RefillContext> {
  const clinic = await db
    .selectFrom('clinics')
    .select('time_zone')
    .where('id', '=', r.clinicId)
    .executeTakeFirstOrThrow();
  const medications = await patientMedications(db, r.patientId, clinic.time_zone);
  const allergies = await cachedPage(db, {
    patientId: r.patientId,
    resourceType: 'AllergyIntolerance',
    activeFirst: true,
    page: 1,
  });
  const labs = await cachedPage(db, {
    patientId: r.patientId,
    resourceType: 'Observation',
    category: 'laboratory',
    page: 1,
  });
  return {
    medications: medications.map((m) => ({
      id: m.id,
      name: m.name,
      status: m.status,
      instructions: m.instructions,
      prescriber: m.prescriber,
      prescribedOn: m.prescribedOn,
      lastFilledOn: m.lastFilledOn,
      refillsRemaining: m.refillsRemaining,
    })),
    allergies: allergies.rows.map((row) => toAllergy(row.resource)),
    labs: labs.rows.slice(0, LATEST_LABS).map((row) => toResult(row.resource, row.category)),
    lastVisit: await visit(db, r, 'last', now),
    nextVisit: await visit(db, r, 'next', now),
  };
}

/** The latest visit that took place, or the next one still wanted. */
async function visit(
  db: Db,
  r: { patientId: string; clinicId: string },
  which: 'last' | 'next',
  now: Date,
) {
  const last = which === 'last';
  const row = await db
    .selectFrom('appointments as a')
    .innerJoin('providers as p', 'p.id', 'a.provider_id')
    .innerJoin('visit_types as v', 'v.id', 'a.visit_type_id')
    .select(['a.starts_at', 'p.display_name', 'v.name_en'])
    .where('a.patient_id', '=', r.patientId)
    .where('a.clinic_id', '=', r.clinicId)
    .$if(last, (q) =>
      q
        .where('a.status', 'in', ['completed', 'arrived'])
        .where('a.starts_at', '<=', now)
        .orderBy('a.starts_at', 'desc'),
    )
    .$if(!last, (q) =>
      q
        .where('a.status', 'in', [...LIVE])
        .where('a.starts_at', '>', now)
        .orderBy('a.starts_at'),
    )
    .limit(1)
    .executeTakeFirst();
  return row
    ? {
        startsAt: row.starts_at.toISOString(),
        providerName: row.display_name,
        visitTypeName: row.name_en,
      }
    : null;
}
