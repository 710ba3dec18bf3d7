// `portal ehr sync [--clinic <slug|id>] [--patient <id|MRN>] [--full]`: pulls
// the linked patients' records from the EHR (or the demo EHR, started for
// the run) with a progress bar on a terminal, plain lines otherwise, and a
// summary at the end.
import type { Config } from '../../config.ts';
import { isUuid } from '../../platform/auth/scope.ts';
import type { Database } from '../../platform/db/database.ts';
import { UserError } from '../../platform/errors.ts';
import { type DemoEhr, startDemoEhr } from '../demo/server.ts';
import { createGateway } from '../gateway/fhir-client.ts';
import { type SyncProgress, type SyncSummary, syncPatients } from './batch.ts';

export interface SyncCommandOptions {
  clinic?: string;
  patient?: string;
  full?: boolean;
}

const quiet = { info() {}, error() {} };

export async function syncCommand(
  config: Config,
  database: Database,
  opts: SyncCommandOptions,
  out: NodeJS.WriteStream = process.stdout,
): Promise<SyncSummary> {
  const clinicId = opts.clinic ? await findClinic(database, opts.clinic) : undefined;
  const patientIds = opts.patient
    ? [await findPatient(database, opts.patient, clinicId)]
    : undefined;
  let demo: DemoEhr | undefined;
  if (!config.ehr.baseUrl) demo = await startDemoEhr({ dataDir: config.dataDir, log: quiet });
  const bar = progressPrinter(out);
  try {
    const gateway = createGateway(config.ehr, { baseUrl: demo?.baseUrl });
    const summary = await syncPatients(database.db, gateway, {
      clinicId,
      patientIds,
      full: opts.full,
      trigger: 'command',
      onProgress: bar.update,
    });
    bar.done();
    return summary;
  } finally {
    await demo?.close();
  }
}

async function findClinic(database: Database, clinic: string): Promise<string> {
  const row = await database.db
    .selectFrom('clinics')
    .select('id')
    .where((eb) => (isUuid(clinic) ? eb('id', '=', clinic) : eb('slug', '=', clinic)))
    .executeTakeFirst();
  if (!row) throw new UserError(`No clinic "${clinic}"; give its slug or id.`);
  return row.id;
}

/** A portal patient id, or an MRN (unique within a clinic: add --clinic when it is not). */
async function findPatient(database: Database, given: string, clinicId?: string): Promise<string> {
  const rows = isUuid(given)
    ? await database.db
        .selectFrom('patients')
        .select(['id', 'ehr_patient_id'])
        .where('id', '=', given)
        .execute()
    : await database.db
        .selectFrom('patient_clinics')
        .innerJoin('patients', 'patients.id', 'patient_clinics.patient_id')
        .select(['patients.id', 'patients.ehr_patient_id'])
        .where('patient_clinics.mrn', '=', given)
        .$if(clinicId !== undefined, (q) =>
          q.where('patient_clinics.clinic_id', '=', clinicId as string),
        )
        .execute();
  // Never echo the MRN back: it identifies a patient.
  if (rows.length === 0) throw new UserError('No patient with that portal id or MRN.');
  if (rows.length > 1)
    throw new UserError('That MRN is used at more than one clinic; add --clinic <slug>.');
  const [patient] = rows as [(typeof rows)[number]];
  if (!patient.ehr_patient_id)
    throw new UserError('That patient is not linked to an EHR record yet; link them first.');
  return patient.id;
}

/** A `\r`-redrawn bar on a terminal; a plain line every tenth of the way otherwise. */
export function progressPrinter(out: NodeJS.WriteStream) {
  const started = performance.now();
  let lastDraw = 0;
  let lastLineAt = -1;
  let last: SyncProgress | undefined;
  const rate = (p: SyncProgress) =>
    Math.round(p.resources / Math.max(0.001, (performance.now() - started) / 1000));
  const line = (p: SyncProgress) =>
    `${p.done}/${p.total} patients, ${p.resources} resources, ${rate(p)}/s${p.failed ? `, ${p.failed} failed` : ''}`;
  return {
    update(p: SyncProgress) {
      last = p;
      if (out.isTTY) {
        const now = performance.now();
        if (now - lastDraw < 100 && p.done < p.total) return;
        lastDraw = now;
        const width = 24;
        const filled = p.total ? Math.round((p.done / p.total) * width) : width;
        out.write(`\rSyncing [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line(p)}  `);
        return;
      }
      const step = Math.max(1, Math.ceil(p.total / 10));
      if (p.done > 0 && p.done !== lastLineAt && (p.done % step === 0 || p.done === p.total)) {
        lastLineAt = p.done;
        out.write(`Synced ${line(p)}\n`);
      }
    },
    done() {
      if (out.isTTY && last) out.write('\n');
    },
  };
}

export function describeSyncSummary(s: SyncSummary): string {
  const lines = [
    `Synced ${s.synced} of ${s.patients} patient(s) in ${s.seconds.toFixed(1)} s: ${s.resources} resource(s) received, ${s.stored} new or changed, ${s.removed} removed.`,
  ];
  const types = Object.entries(s.byType).filter(([, n]) => n > 0);
  if (types.length) lines.push(`  By type: ${types.map(([t, n]) => `${t} ${n}`).join(', ')}`);
  const reasons = Object.entries(s.quarantined);
  lines.push(
    reasons.length
      ? `  Quarantined: ${reasons.map(([r, n]) => `${n} ${r}`).join('; ')}`
      : '  Quarantined: none',
  );
  for (const f of s.failures) lines.push(`  Failed: patient ${f.patientId}: ${f.error}`);
  return lines.join('\n');
}
