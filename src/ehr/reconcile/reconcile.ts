// The reconcile run: every active check compares portal state with the EHR;
// each difference becomes (or refreshes) an open discrepancy, and an open
// discrepancy whose subject now agrees is closed as 'cleared'. Runs every 15
// minutes through pg-boss (one job per tick, whichever instance takes it) and from
// `portal ehr reconcile`.
import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import { audit, SYSTEM_SOURCE } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import type { Jobs } from '../../platform/jobs/jobs.ts';
import type { EhrGateway } from '../gateway/gateway.ts';
import {
  appointmentChangedCheck,
  appointmentMissingCheck,
  slotBookedCheck,
} from './appointment-checks.ts';
import type { DiscrepancyCheck, Finding, ReconcileScope } from './checks.ts';
import { demographicsCheck } from './demographics-check.ts';
import { medicationDiscontinuedCheck } from './refill-checks.ts';

type Db = Kysely<Schema>;

export const RECONCILE_QUEUE = 'ehr.reconcile';
export const RECONCILE_CRON = '*/15 * * * *';

/** Every check: each compares one kind of portal state with the EHR. */
export const CHECKS: readonly DiscrepancyCheck[] = [
  demographicsCheck,
  appointmentMissingCheck,
  appointmentChangedCheck,
  slotBookedCheck,
  medicationDiscontinuedCheck,
];

export interface ReconcileSummary {
  checked: number;
  /** Differences seen in this run (new and already open). */
  found: number;
  /** Of those, opened now. */
  opened: number;
  cleared: number;
  errors: number;
  /** Checks that failed as a whole (e.g. the EHR was unreachable). */
  failedChecks: string[];
}

export async function reconcile(
  db: Db,
  gateway: EhrGateway,
  options: { scope?: ReconcileScope; checks?: readonly DiscrepancyCheck[]; logger?: Logger } = {},
): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = {
    checked: 0,
    found: 0,
    opened: 0,
    cleared: 0,
    errors: 0,
    failedChecks: [],
  };
  for (const check of options.checks ?? CHECKS) {
    let result: Awaited<ReturnType<DiscrepancyCheck['run']>>;
    try {
      result = await check.run({ db, gateway, scope: options.scope ?? {} });
    } catch (err) {
      options.logger?.error({ err, check: check.type }, 'reconcile check failed');
      summary.failedChecks.push(check.type);
      continue;
    }
    const recorded = await db.transaction().execute(async (trx) => {
      const opened = await recordFindings(trx, result.findings);
      const cleared = await clearAgreeing(trx, check.type, result.checked, result.findings);
      await audit(trx, SYSTEM_SOURCE, {
        action: 'query',
        resourceType: 'Discrepancy',
        details: {
          job: 'reconcile',
          check: check.type,
          checked: result.checked.length,
          found: result.findings.length,
          opened: opened.length,
          cleared,
          errors: result.errors,
        },
      });
      return { opened, cleared };
    });
    summary.checked += result.checked.length;
    summary.found += result.findings.length;
    summary.opened += recorded.opened.length;
    summary.cleared += recorded.cleared;
    summary.errors += result.errors;
  }
  return summary;
}

/** Opens or refreshes one discrepancy per finding; returns the ones opened now. */
async function recordFindings(trx: Db, findings: Finding[]): Promise<Finding[]> {
  const opened: Finding[] = [];
  for (const f of findings) {
    const row = await trx
      .insertInto('discrepancies')
      .values({
        clinic_id: f.clinicId,
        patient_id: f.patientId,
        type: f.type,
        subject_key: f.subjectKey,
        severity: f.severity,
        portal_version: json(f.portalVersion),
        ehr_version: json(f.ehrVersion),
        ehr_reference: f.ehrReference ?? null,
        ehr_version_id: f.ehrVersionId ?? null,
        suggested_action: f.suggestedAction,
      })
      .onConflict((oc) =>
        oc
          .columns(['type', 'subject_key'])
          // A literal, not a parameter: PostgreSQL must see it matches the partial index.
          .where(sql<boolean>`status = 'open'`)
          .doUpdateSet((eb) => ({
            last_seen: sql<Date>`now()`,
            clinic_id: eb.ref('excluded.clinic_id'),
            severity: eb.ref('excluded.severity'),
            portal_version: eb.ref('excluded.portal_version'),
            ehr_version: eb.ref('excluded.ehr_version'),
            ehr_reference: eb.ref('excluded.ehr_reference'),
            ehr_version_id: eb.ref('excluded.ehr_version_id'),
            suggested_action: eb.ref('excluded.suggested_action'),
          })),
      )
      .returning(['id', sql<boolean>`(xmax = 0)`.as('inserted')])
      .executeTakeFirstOrThrow();
    if (!row.inserted) continue;
    opened.push(f);
    await audit(trx, SYSTEM_SOURCE, {
      action: 'create',
      resourceType: 'Discrepancy',
      resourceId: row.id,
      patientId: f.patientId,
      clinicId: f.clinicId,
      details: { type: f.type, severity: f.severity },
    });
  }
  return opened;
}

/** Closes open discrepancies of subjects the check compared and found in agreement. */
async function clearAgreeing(
  trx: Db,
  type: DiscrepancyCheck['type'],
  checked: string[],
  findings: Finding[],
): Promise<number> {
  const differing = new Set(findings.map((f) => f.subjectKey));
  const agreeing = checked.filter((key) => !differing.has(key));
  let cleared = 0;
  for (let i = 0; i < agreeing.length; i += 500) {
    const result = await trx
      .updateTable('discrepancies')
      .set({ status: 'resolved', resolution: 'cleared', resolved_at: sql<Date>`now()` })
      .where('status', '=', 'open')
      .where('type', '=', type)
      .where('subject_key', 'in', agreeing.slice(i, i + 500))
      .executeTakeFirst();
    cleared += Number(result.numUpdatedRows);
  }
  return cleared;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** The reconcile job: every 15 minutes on one instance. */
export async function registerReconcileJob(
  jobs: Jobs,
  db: Db,
  gateway: EhrGateway,
  logger: Logger,
): Promise<void> {
  await jobs.handle(RECONCILE_QUEUE, async () => {
    const summary = await reconcile(db, gateway, { logger });
    logger.info(summary, 'EHR reconcile finished');
  });
  await jobs.boss.schedule(RECONCILE_QUEUE, RECONCILE_CRON);
}
