// `portal ehr reconcile [--clinic <slug|id>] [--patient <id>]`: one reconcile
// run now, against the configured EHR or the demo EHR (the running portal's,
// or started for the run), with a one-line summary.
import type { Config } from '../../config.ts';
import type { Database } from '../../platform/db/database.ts';
import { UserError } from '../../platform/errors.ts';
import { type DemoEhr, startDemoEhr } from '../demo/server.ts';
import { createGateway } from '../gateway/fhir-client.ts';
import type { ReconcileScope } from './checks.ts';
import { type ReconcileSummary, reconcile } from './reconcile.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const quiet = { info() {}, error() {} };

async function scopeFrom(
  database: Database,
  opts: { clinic?: string; patient?: string },
): Promise<ReconcileScope> {
  const scope: ReconcileScope = {};
  if (opts.patient) {
    if (!UUID.test(opts.patient)) throw new UserError('--patient takes a portal patient id.');
    scope.patientId = opts.patient;
  }
  if (opts.clinic) {
    const clinic = await database.db
      .selectFrom('clinics')
      .select('id')
      .where((eb) =>
        UUID.test(opts.clinic as string)
          ? eb('id', '=', opts.clinic as string)
          : eb('slug', '=', opts.clinic as string),
      )
      .executeTakeFirst();
    if (!clinic) throw new UserError(`No clinic "${opts.clinic}"; give its slug or id.`);
    scope.clinicId = clinic.id;
  }
  return scope;
}

export async function reconcileCommand(
  config: Config,
  database: Database,
  opts: { clinic?: string; patient?: string },
): Promise<ReconcileSummary> {
  const scope = await scopeFrom(database, opts);
  let demo: DemoEhr | undefined;
  if (!config.ehr.baseUrl) demo = await startDemoEhr({ dataDir: config.dataDir, log: quiet });
  try {
    const gateway = createGateway(config.ehr, { baseUrl: demo?.baseUrl });
    return await reconcile(database.db, gateway, { scope });
  } finally {
    await demo?.close();
  }
}

export function describeSummary(s: ReconcileSummary): string {
  const failed = s.failedChecks.length ? `; checks that failed: ${s.failedChecks.join(', ')}` : '';
  return `Reconciled ${s.checked} record(s): ${s.found} discrepancy(ies), ${s.opened} new, ${s.cleared} cleared, ${s.errors} could not be compared${failed}.`;
}
