// Pull sync: the EHR's clinical resources for a linked patient, into the
// local cache the records pages read. Incremental by `_lastUpdated`, page by
// page; a malformed or unexpected resource is quarantined and counted, never
// stops the sync. Reading the EHR into the cache is a system action: each
// patient's sync writes one audit row, in the transaction that writes the cache.
import type { Kysely } from 'kysely';
import { audit, SYSTEM_SOURCE } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { EhrError, type EhrGateway, type SearchParams } from '../gateway/gateway.ts';
import { directoryRefs, refreshDirectory } from './directory.ts';
import { FEEDS, SYNCED_TYPES, type SyncedType } from './feeds.ts';
import {
  advanceState,
  dropForeign,
  type FeedResult,
  highWaterMarks,
  pruneMissing,
  quarantine,
  resolveQuarantine,
  upsertResources,
} from './store.ts';
import { checkResource, isObject } from './validate.ts';

type Db = Kysely<Schema>;

/** Resources per page asked of the EHR (servers may send fewer). */
export const SYNC_PAGE_SIZE = 100;

export type SyncTrigger = 'sign-in' | 'schedule' | 'command' | 'records' | 'link' | 'test';

export interface SyncOptions {
  /**
   * Fetch what changed after this moment. Default: each type's high-water
   * mark from the last sync; `null`: everything.
   */
  since?: Date | null;
  /** Fetch everything and drop cached resources the EHR no longer returns. */
  full?: boolean;
  trigger?: SyncTrigger;
  /** Called after every page with the number of resources it held. */
  onPage?: (resources: number) => void;
}

export interface PatientSyncResult {
  patientId: string;
  linked: boolean;
  /** Resources the EHR returned, by type. */
  fetched: Partial<Record<SyncedType, number>>;
  /** Inserted or replaced by a newer version. */
  stored: number;
  /** Dropped after a full sync because the EHR no longer has them for this patient. */
  removed: number;
  /** Quarantined in this run, by reason. */
  quarantined: Record<string, number>;
}

/**
 * Syncs one portal patient from the EHR Patient it is linked to. Throws
 * (after auditing the failure) when the EHR cannot be read; nothing is
 * written then, so the next run starts from the same high-water marks.
 */
export async function syncPatient(
  db: Db,
  gateway: EhrGateway,
  patientId: string,
  options: SyncOptions = {},
): Promise<PatientSyncResult> {
  const result: PatientSyncResult = {
    patientId,
    linked: false,
    fetched: {},
    stored: 0,
    removed: 0,
    quarantined: {},
  };
  const link = await db
    .selectFrom('patients')
    .select('ehr_patient_id')
    .where('id', '=', patientId)
    .executeTakeFirst();
  const ehrPatientId = link?.ehr_patient_id;
  if (!ehrPatientId) return result;
  result.linked = true;
  const startedAt = new Date();
  const marks = await highWaterMarks(db, patientId);
  // Linked to another EHR record since the last run: start afresh, and the
  // full sync's pruning drops what came from the old one.
  const relinked = [...marks.values()].some((m) => m.ehr_patient_id !== ehrPatientId);
  const full = options.full === true || relinked;

  let feeds: FeedResult[];
  try {
    feeds = [];
    for (const type of SYNCED_TYPES) {
      const since = full
        ? null
        : options.since !== undefined
          ? options.since
          : (marks.get(type)?.last_updated_high_water ?? null);
      feeds.push(await fetchFeed(gateway, type, ehrPatientId, since, options.onPage));
    }
    await refreshDirectory(
      db,
      gateway,
      feeds.flatMap((f) => f.valid.flatMap((v) => directoryRefs(v.resource))),
    );
  } catch (err) {
    await audit(db, SYSTEM_SOURCE, {
      action: 'query',
      outcome: 'failure',
      resourceType: 'EhrSync',
      patientId,
      details: { trigger: options.trigger ?? 'command', full, error: describeSyncError(err) },
    });
    throw err;
  }

  await db.transaction().execute(async (trx) => {
    for (const feed of feeds) {
      result.fetched[feed.type] = feed.valid.length + feed.rejected.length;
      result.stored += await upsertResources(trx, patientId, ehrPatientId, feed.type, feed.valid);
      await quarantine(trx, patientId, feed.type, feed.rejected);
      await resolveQuarantine(
        trx,
        patientId,
        feed.type,
        feed.valid.map((v) => v.fields.id),
      );
      await dropForeign(trx, patientId, feed.type, foreignIds(feed));
      if (full) result.removed += await pruneMissing(trx, patientId, feed.type, feed.seenIds);
      for (const r of feed.rejected)
        result.quarantined[r.reason] = (result.quarantined[r.reason] ?? 0) + 1;
      await advanceState(trx, patientId, ehrPatientId, feed.type, feed.highWater, startedAt);
    }
    await audit(trx, SYSTEM_SOURCE, {
      action: 'query',
      resourceType: 'EhrSync',
      patientId,
      details: {
        trigger: options.trigger ?? 'command',
        full,
        fetched: result.fetched,
        stored: result.stored,
        removed: result.removed,
        quarantined: result.quarantined,
      },
    });
  });
  return result;
}

/** One type's resources for the patient, every page, sorted into cacheable and not. */
async function fetchFeed(
  gateway: EhrGateway,
  type: SyncedType,
  ehrPatientId: string,
  since: Date | null,
  onPage: SyncOptions['onPage'],
): Promise<FeedResult> {
  const params: SearchParams = {
    patient: `Patient/${ehrPatientId}`,
    _count: String(SYNC_PAGE_SIZE),
    ...FEEDS[type].params,
  };
  if (since) params._lastUpdated = `gt${since.toISOString()}`;
  const feed: FeedResult = { type, valid: [], rejected: [], seenIds: [], highWater: since };
  // The same resource on two pages (it changed while we paged): keep the newest.
  const byId = new Map<string, FeedResult['valid'][number]>();
  for await (const page of gateway.searchPages(type, params)) {
    for (const resource of page as unknown[]) {
      const verdict = checkResource(type, ehrPatientId, resource);
      const r = resource as Record<string, unknown>;
      if (isObject(r) && typeof r.id === 'string') feed.seenIds.push(r.id);
      const lastUpdated = lastUpdatedOf(r);
      if (lastUpdated && (!feed.highWater || lastUpdated > feed.highWater))
        feed.highWater = lastUpdated;
      if (!verdict.ok) {
        feed.rejected.push({ reason: verdict.reason, raw: resource });
        continue;
      }
      const before = byId.get(verdict.fields.id);
      if (!before || newer(verdict.fields.lastUpdated, before.fields.lastUpdated))
        byId.set(verdict.fields.id, { fields: verdict.fields, resource: r });
    }
    onPage?.(page.length);
  }
  feed.valid = [...byId.values()];
  return feed;
}

const newer = (a: Date | null, b: Date | null) => !a || !b || a >= b;

function lastUpdatedOf(r: unknown): Date | null {
  if (!isObject(r) || !isObject(r.meta) || typeof r.meta.lastUpdated !== 'string') return null;
  const d = new Date(r.meta.lastUpdated);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Ids of resources quarantined because they name another patient. */
function foreignIds(feed: FeedResult): string[] {
  return feed.rejected
    .filter((r) => r.reason === 'refers to another patient' && isObject(r.raw))
    .map((r) => (r.raw as { id?: unknown }).id)
    .filter((id): id is string => typeof id === 'string');
}

/** Why a sync failed, in words safe for logs and audit details (no EHR text, no PHI). */
export function describeSyncError(err: unknown): string {
  if (err instanceof EhrError)
    return err.status === 0 ? 'EHR unreachable or timed out' : `EHR answered HTTP ${err.status}`;
  const e = err as { name?: unknown; code?: unknown };
  return [typeof e?.name === 'string' ? e.name : 'error', typeof e?.code === 'string' ? e.code : '']
    .filter(Boolean)
    .join(' ');
}
