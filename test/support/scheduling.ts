// Scheduling test data straight into the database: a provider, a visit type
// with its rules, and slots, without an EHR. Tests that need the EHR's side
// load the inventory from a FHIR server instead (refreshClinic).
import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { Schema } from '../../src/platform/db/schema.ts';

type Db = Kysely<Schema>;
const unique = () => randomUUID().slice(0, 8);

export async function createProvider(db: Db, clinicId: string, name = `Dr. ${unique()}`) {
  return db
    .insertInto('providers')
    .values({
      clinic_id: clinicId,
      ehr_schedule_id: `schedule-${unique()}`,
      ehr_practitioner_id: `practitioner-${unique()}`,
      display_name: name,
    })
    .returning(['id', 'ehr_schedule_id', 'ehr_practitioner_id'])
    .executeTakeFirstOrThrow();
}

/** A visit type that anyone may book online at once, unless `rules` say otherwise. */
export async function createVisitType(
  db: Db,
  clinicId: string,
  providerIds: string[],
  rules: Partial<Insertable<Schema['visit_types']>> = {},
) {
  const vt = await db
    .insertInto('visit_types')
    .values({
      clinic_id: clinicId,
      code: `visit-${unique()}`,
      name_en: 'Office visit',
      name_es: 'Consulta',
      min_lead_minutes: 0,
      max_days_ahead: 120,
      change_cutoff_hours: 24,
      max_future_bookings: 50,
      ...rules,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  if (providerIds.length)
    await db
      .insertInto('visit_type_providers')
      .values(providerIds.map((provider_id) => ({ visit_type_id: vt.id, provider_id })))
      .execute();
  return vt;
}

/** `count` back-to-back slots of `minutes` for a provider from `from`; returns their ids in order. */
export async function createSlots(
  db: Db,
  p: { clinicId: string; providerId: string; from: Date; count: number; minutes?: number },
): Promise<number[]> {
  const minutes = p.minutes ?? 30;
  const rows = Array.from({ length: p.count }, (_, i) => ({
    clinic_id: p.clinicId,
    provider_id: p.providerId,
    ehr_slot_id: `slot-${unique()}-${i}`,
    starts_at: new Date(p.from.getTime() + i * minutes * 60_000),
    ends_at: new Date(p.from.getTime() + (i + 1) * minutes * 60_000),
  }));
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 1000) {
    const out = await db
      .insertInto('slots')
      .values(rows.slice(i, i + 1000))
      .returning('id')
      .execute();
    ids.push(...out.map((r) => r.id));
  }
  return ids;
}

/** A whole hour from now plus `days`, so lead-time rules of a few hours pass. */
export const daysFromNow = (days: number) =>
  new Date(Math.ceil((Date.now() + days * 86_400_000) / 3_600_000) * 3_600_000);
