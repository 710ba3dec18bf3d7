// When the cache is refreshed: soon after a patient signs in (if their copy
// is older than EHR_SYNC_MAX_AGE_MINUTES), every 30 minutes for everyone
// (only what changed), and once a night in full (which also notices
// resources deleted in the EHR).
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Schema } from '../../platform/db/schema.ts';
import type { Jobs } from '../../platform/jobs/jobs.ts';
import type { EhrGateway } from '../gateway/gateway.ts';
import { syncAll } from './batch.ts';
import { SYNCED_TYPES } from './feeds.ts';
import { type SyncTrigger, syncPatient } from './sync.ts';

type Db = Kysely<Schema>;

export const SYNC_PATIENT_QUEUE = 'ehr.sync-patient';
export const SYNC_ALL_QUEUE = 'ehr.sync-all';
export const SYNC_EVERY_30_MINUTES = '*/30 * * * *';
export const FULL_SYNC_NIGHTLY = '15 3 * * *';

interface SyncPatientJob {
  patientId: string;
  trigger: SyncTrigger;
}

export async function registerSyncJobs(
  jobs: Jobs,
  db: Db,
  gateway: EhrGateway,
  log: Logger,
  /** Sweep once now, catching up on what changed while the portal was down. */
  options: { catchUp?: boolean } = {},
): Promise<void> {
  // One waiting and one running sync per patient: signing in twice queues nothing more.
  await jobs.boss.createQueue(SYNC_PATIENT_QUEUE, {
    policy: 'stately',
    retryLimit: 2,
    retryDelay: 30,
  });
  await jobs.handle(SYNC_PATIENT_QUEUE, async (batch) => {
    for (const job of batch) {
      const { patientId, trigger } = job.data as SyncPatientJob;
      await syncPatient(db, gateway, patientId, { trigger });
    }
  });
  // One sweep at a time, however long it takes.
  await jobs.boss.createQueue(SYNC_ALL_QUEUE, { policy: 'exclusive', expireInSeconds: 4 * 3600 });
  await jobs.handle(SYNC_ALL_QUEUE, async (batch) => {
    for (const job of batch) {
      const full = (job.data as { full?: boolean }).full === true;
      const summary = await syncAll(db, gateway, { full, trigger: 'schedule' });
      // Counts and portal ids only: no names, no EHR text.
      log.info({ ...summary, failures: summary.failures.length, full }, 'EHR sync finished');
    }
  });
  await jobs.boss.schedule(
    SYNC_ALL_QUEUE,
    SYNC_EVERY_30_MINUTES,
    { full: false },
    { key: 'changes' },
  );
  await jobs.boss.schedule(
    SYNC_ALL_QUEUE,
    FULL_SYNC_NIGHTLY,
    { full: true },
    { key: 'nightly-full' },
  );
  if (options.catchUp) await jobs.send(SYNC_ALL_QUEUE, { full: false });
}

/** When the patient's cache was last refreshed in full (every type synced); null: never. */
export async function cacheSyncedAt(db: Db, patientId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('sync_state as s')
    .innerJoin('patients as p', (join) =>
      join.onRef('p.id', '=', 's.patient_id').onRef('p.ehr_patient_id', '=', 's.ehr_patient_id'),
    )
    .select((eb) => [
      eb.fn.min('s.last_synced_at').as('oldest'),
      eb.fn.countAll<number>().as('types'),
    ])
    .where('s.patient_id', '=', patientId)
    .where('s.resource_type', 'in', SYNCED_TYPES)
    .executeTakeFirst();
  if (!row || Number(row.types) < SYNCED_TYPES.length || !row.oldest) return null;
  return new Date(row.oldest as Date | string);
}

export function isStale(
  syncedAt: Date | null,
  config: Pick<Config, 'ehrSyncMaxAgeMinutes'>,
): boolean {
  return !syncedAt || Date.now() - syncedAt.getTime() > config.ehrSyncMaxAgeMinutes * 60_000;
}

/**
 * Queues a refresh of the patient's cache when it is older than the
 * configured age and the patient is linked to the EHR. Never throws: a
 * patient's sign-in or page must not fail because the queue did.
 */
export async function refreshIfStale(
  jobs: Jobs | undefined,
  db: Db,
  config: Pick<Config, 'ehrSyncMaxAgeMinutes'>,
  patientId: string,
  trigger: SyncTrigger,
): Promise<boolean> {
  if (!jobs) return false;
  try {
    const patient = await db
      .selectFrom('patients')
      .select('ehr_patient_id')
      .where('id', '=', patientId)
      .executeTakeFirst();
    if (!patient?.ehr_patient_id) return false;
    if (!isStale(await cacheSyncedAt(db, patientId), config)) return false;
    const data: SyncPatientJob = { patientId, trigger };
    return (await jobs.boss.send(SYNC_PATIENT_QUEUE, data, { singletonKey: patientId })) !== null;
  } catch {
    return false;
  }
}

/**
 * The hook for the sign-in success path: after a complete sign-in, refresh
 * the record of the patient the session works on, when it is stale.
 */
export function onSignedIn(
  jobs: Jobs | undefined,
  db: Db,
  config: Pick<Config, 'ehrSyncMaxAgeMinutes'>,
  patientId: string | null,
): Promise<boolean> {
  if (!patientId) return Promise.resolve(false);
  return refreshIfStale(jobs, db, config, patientId, 'sign-in');
}
