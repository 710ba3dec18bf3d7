// Syncs many linked patients (a clinic, or everyone) a few at a time, so a
// large clinic neither floods the EHR nor takes all night. One patient's
// failure is counted and the rest carry on.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import type { EhrGateway } from '../gateway/gateway.ts';
import type { SyncedType } from './feeds.ts';
import { describeSyncError, type SyncOptions, syncPatient } from './sync.ts';

type Db = Kysely<Schema>;

export interface SyncProgress {
  /** Patients finished (synced or failed) of `total`. */
  done: number;
  total: number;
  /** Resources received from the EHR so far. */
  resources: number;
  failed: number;
}

export interface SyncSummary {
  patients: number;
  synced: number;
  failed: number;
  resources: number;
  stored: number;
  removed: number;
  byType: Partial<Record<SyncedType, number>>;
  quarantined: Record<string, number>;
  /** Portal patient id and a reason safe to print (no PHI, no EHR text). */
  failures: { patientId: string; error: string }[];
  seconds: number;
}

export interface BatchOptions extends Omit<SyncOptions, 'onPage'> {
  /** Only patients registered at this clinic. */
  clinicId?: string;
  /** Only these portal patients. */
  patientIds?: string[];
  /** Patients synced at the same time (default 4). */
  concurrency?: number;
  onProgress?: (progress: SyncProgress) => void;
}

/** Portal patients linked to an EHR patient, optionally of one clinic. */
export async function linkedPatients(db: Db, clinicId?: string): Promise<string[]> {
  const rows = await db
    .selectFrom('patients')
    .select('patients.id')
    .where('patients.ehr_patient_id', 'is not', null)
    .$if(clinicId !== undefined, (q) =>
      q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('patient_clinics')
            .select('patient_clinics.patient_id')
            .whereRef('patient_clinics.patient_id', '=', 'patients.id')
            .where('patient_clinics.clinic_id', '=', clinicId as string),
        ),
      ),
    )
    .orderBy('patients.id')
    .execute();
  return rows.map((r) => r.id);
}

export function syncClinic(
  db: Db,
  gateway: EhrGateway,
  clinicId: string,
  options: BatchOptions = {},
) {
  return syncPatients(db, gateway, { ...options, clinicId });
}

export function syncAll(db: Db, gateway: EhrGateway, options: BatchOptions = {}) {
  return syncPatients(db, gateway, options);
}

export async function syncPatients(
  db: Db,
  gateway: EhrGateway,
  options: BatchOptions = {},
): Promise<SyncSummary> {
  const started = performance.now();
  const ids = options.patientIds ?? (await linkedPatients(db, options.clinicId));
  const summary: SyncSummary = {
    patients: ids.length,
    synced: 0,
    failed: 0,
    resources: 0,
    stored: 0,
    removed: 0,
    byType: {},
    quarantined: {},
    failures: [],
    seconds: 0,
  };
  const progress: SyncProgress = { done: 0, total: ids.length, resources: 0, failed: 0 };
  const report = () => options.onProgress?.({ ...progress });
  report();
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const patientId = ids[next++] as string;
      try {
        const result = await syncPatient(db, gateway, patientId, {
          ...options,
          onPage: (n) => {
            progress.resources += n;
            report();
          },
        });
        if (result.linked) summary.synced += 1;
        summary.stored += result.stored;
        summary.removed += result.removed;
        for (const [type, n] of Object.entries(result.fetched) as [SyncedType, number][]) {
          summary.byType[type] = (summary.byType[type] ?? 0) + n;
          summary.resources += n;
        }
        for (const [reason, n] of Object.entries(result.quarantined))
          summary.quarantined[reason] = (summary.quarantined[reason] ?? 0) + n;
      } catch (err) {
        summary.failed += 1;
        progress.failed += 1;
        summary.failures.push({ patientId, error: describeSyncError(err) });
      }
      progress.done += 1;
      report();
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, ids.length));
  await Promise.all(Array.from({ length: workers }, worker));
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
