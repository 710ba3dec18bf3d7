// Writes one patient's sync into the cache: newer resources replace older
// ones, quarantined ones are counted, the high-water marks move on.
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import type { SyncedType } from './feeds.ts';
import { type CacheFields, isObject, MAX_RESOURCE_BYTES } from './validate.ts';

type Db = Kysely<Schema>;
const CHUNK = 100;

export interface ValidResource {
  fields: CacheFields;
  resource: Record<string, unknown>;
}

export interface Rejected {
  reason: string;
  raw: unknown;
}

export interface FeedResult {
  type: SyncedType;
  valid: ValidResource[];
  rejected: Rejected[];
  /** Every id the EHR returned for this feed (valid or not), for pruning after a full sync. */
  seenIds: string[];
  highWater: Date | null;
}

/**
 * Inserts new resources and replaces cached ones only when the EHR's copy is
 * newer (a later lastUpdated, or the same one with another versionId), so a
 * slow page can never overwrite a fresher copy, or when the EHR record is now
 * linked to another portal patient. Returns how many changed.
 */
export async function upsertResources(
  db: Db,
  patientId: string,
  ehrPatientId: string,
  type: SyncedType,
  valid: ValidResource[],
): Promise<number> {
  let changed = 0;
  const now = new Date();
  for (let i = 0; i < valid.length; i += CHUNK) {
    const rows = valid.slice(i, i + CHUNK).map(({ fields, resource }) => ({
      resource_type: type,
      id: fields.id,
      version_id: fields.versionId,
      last_updated: fields.lastUpdated,
      patient_id: patientId,
      ehr_patient_id: ehrPatientId,
      occurred_at: fields.occurredAt,
      status: fields.status,
      category: fields.category,
      resource: JSON.stringify(resource),
      synced_at: now,
    }));
    const written = await db
      .insertInto('clinical_resources')
      .values(rows)
      .onConflict((oc) =>
        oc
          .columns(['resource_type', 'id'])
          .doUpdateSet((eb) => ({
            version_id: eb.ref('excluded.version_id'),
            last_updated: eb.ref('excluded.last_updated'),
            patient_id: eb.ref('excluded.patient_id'),
            ehr_patient_id: eb.ref('excluded.ehr_patient_id'),
            occurred_at: eb.ref('excluded.occurred_at'),
            status: eb.ref('excluded.status'),
            category: eb.ref('excluded.category'),
            resource: eb.ref('excluded.resource'),
            synced_at: eb.ref('excluded.synced_at'),
          }))
          .where(
            sql<boolean>`clinical_resources.patient_id <> excluded.patient_id
              or clinical_resources.last_updated is null
              or excluded.last_updated is null
              or excluded.last_updated > clinical_resources.last_updated
              or (excluded.last_updated = clinical_resources.last_updated
                  and excluded.version_id is distinct from clinical_resources.version_id)`,
          ),
      )
      .returning('id')
      .execute();
    changed += written.length;
  }
  return changed;
}

/** Counts each sighting; a resource seen again bumps its row instead of adding one. */
export async function quarantine(
  db: Db,
  patientId: string,
  type: SyncedType,
  rejected: Rejected[],
): Promise<void> {
  const now = new Date();
  const byKey = new Map<string, ReturnType<typeof quarantineRow>>();
  for (const r of rejected) {
    const row = quarantineRow(patientId, type, r, now);
    const same = byKey.get(`${row.resource_key}\n${row.reason}`);
    if (same) same.count += 1;
    else byKey.set(`${row.resource_key}\n${row.reason}`, row);
  }
  const rows = [...byKey.values()];
  for (let i = 0; i < rows.length; i += CHUNK)
    await db
      .insertInto('sync_quarantine')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['patient_id', 'resource_type', 'resource_key', 'reason']).doUpdateSet((eb) => ({
          raw: eb.ref('excluded.raw'),
          last_seen: eb.ref('excluded.last_seen'),
          count: sql<number>`sync_quarantine.count + excluded.count`,
          resolved_at: null,
        })),
      )
      .execute();
}

function quarantineRow(patientId: string, type: SyncedType, r: Rejected, now: Date) {
  const value = isObject(r.raw) ? r.raw : { value: r.raw ?? null };
  const id = typeof value.id === 'string' ? value.id.slice(0, 200) : null;
  let raw = JSON.stringify(value);
  const key = id ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  if (raw.length > MAX_RESOURCE_BYTES)
    raw = JSON.stringify({ truncated: true, bytes: raw.length, id });
  return {
    patient_id: patientId,
    resource_type: type,
    resource_id: id,
    resource_key: key,
    reason: r.reason,
    raw,
    first_seen: now,
    last_seen: now,
    count: 1,
  };
}

/** Quarantined resources that now arrived in good shape are closed. */
export async function resolveQuarantine(
  db: Db,
  patientId: string,
  type: SyncedType,
  ids: string[],
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('sync_quarantine')
    .set({ resolved_at: new Date() })
    .where('patient_id', '=', patientId)
    .where('resource_type', '=', type)
    .where('resolved_at', 'is', null)
    .where(
      sql<boolean>`resource_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
    )
    .execute();
}

/** After a full sync: what the EHR no longer returns (deleted, moved) leaves the cache. */
export async function pruneMissing(
  db: Db,
  patientId: string,
  type: SyncedType,
  seenIds: string[],
): Promise<number> {
  const result = await db
    .deleteFrom('clinical_resources')
    .where('patient_id', '=', patientId)
    .where('resource_type', '=', type)
    .where(
      sql<boolean>`id not in (select jsonb_array_elements_text(${JSON.stringify(seenIds)}::jsonb))`,
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A resource now filed under another patient must not stay in this one's record. */
export async function dropForeign(
  db: Db,
  patientId: string,
  type: SyncedType,
  ids: string[],
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .deleteFrom('clinical_resources')
    .where('patient_id', '=', patientId)
    .where('resource_type', '=', type)
    .where('id', 'in', ids)
    .execute();
}

export async function advanceState(
  db: Db,
  patientId: string,
  ehrPatientId: string,
  type: SyncedType,
  highWater: Date | null,
  at: Date,
): Promise<void> {
  await db
    .insertInto('sync_state')
    .values({
      patient_id: patientId,
      resource_type: type,
      ehr_patient_id: ehrPatientId,
      last_synced_at: at,
      last_updated_high_water: highWater,
    })
    .onConflict((oc) =>
      oc.columns(['patient_id', 'resource_type']).doUpdateSet({
        ehr_patient_id: ehrPatientId,
        last_synced_at: at,
        last_updated_high_water: sql`case when sync_state.ehr_patient_id = excluded.ehr_patient_id
          then greatest(sync_state.last_updated_high_water, excluded.last_updated_high_water)
          else excluded.last_updated_high_water end`,
      }),
    )
    .execute();
}

/** Per type, the newest lastUpdated already cached from the EHR (null: never synced). */
export async function highWaterMarks(db: Db, patientId: string) {
  const rows = await db
    .selectFrom('sync_state')
    .select(['resource_type', 'ehr_patient_id', 'last_updated_high_water', 'last_synced_at'])
    .where('patient_id', '=', patientId)
    .execute();
  return new Map(rows.map((r) => [r.resource_type, r]));
}
