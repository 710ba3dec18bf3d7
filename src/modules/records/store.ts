// Reads one page of a patient's cached clinical resources. Entries the EHR
// marked entered-in-error are never shown.
import { type Kysely, sql } from 'kysely';
import type { SyncedType } from '../../ehr/sync/feeds.ts';
import type { Schema } from '../../platform/db/schema.ts';

export const RECORDS_PAGE_SIZE = 50;

export interface PageRequest {
  patientId: string;
  resourceType: SyncedType;
  /** Observation category ('laboratory', 'vital-signs'). */
  category?: string;
  /** Active entries before the rest (medication list, problem list). */
  activeFirst?: boolean;
  page: number;
}

export interface CachedRow {
  id: string;
  category: string | null;
  resource: Record<string, unknown>;
}

const ACTIVE = sql<boolean>`coalesce(r.status in ('active', 'recurrence', 'relapse'), false)`;

/** One page, and one row more to tell if another page follows. */
export async function cachedPage(
  db: Kysely<Schema>,
  q: PageRequest,
): Promise<{ rows: CachedRow[]; hasMore: boolean }> {
  let query = db
    .selectFrom('clinical_resources as r')
    // Only what came from the EHR record the patient is linked to now.
    .innerJoin('patients as p', (join) =>
      join.onRef('p.id', '=', 'r.patient_id').onRef('p.ehr_patient_id', '=', 'r.ehr_patient_id'),
    )
    .select(['r.id', 'r.category', 'r.resource'])
    .where('r.patient_id', '=', q.patientId)
    .where('r.resource_type', '=', q.resourceType)
    .where((eb) => eb.or([eb('r.status', 'is', null), eb('r.status', '!=', 'entered-in-error')]))
    .$if(q.category !== undefined, (qb) => qb.where('r.category', '=', q.category as string));
  if (q.activeFirst) query = query.orderBy(sql`${ACTIVE} desc`);
  const rows = await query
    .orderBy(sql`r.occurred_at desc nulls last`)
    .orderBy('r.id')
    .limit(RECORDS_PAGE_SIZE + 1)
    .offset((q.page - 1) * RECORDS_PAGE_SIZE)
    .execute();
  return {
    rows: rows.slice(0, RECORDS_PAGE_SIZE).map((r) => ({
      id: r.id,
      category: r.category,
      resource: parseJson(r.resource),
    })),
    hasMore: rows.length > RECORDS_PAGE_SIZE,
  };
}

/** jsonb comes back parsed from both drivers; a string is tolerated all the same. */
function parseJson(v: unknown): Record<string, unknown> {
  return (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;
}
