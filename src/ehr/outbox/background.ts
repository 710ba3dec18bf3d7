// The EHR write-back's background work on this instance: the outbox worker
// (pg-boss queue plus sweep) and the reconcile job that fills the
// discrepancy desk. Started by the server once jobs run; stopped before them.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Schema } from '../../platform/db/schema.ts';
import type { Jobs } from '../../platform/jobs/jobs.ts';
import type { EhrGateway } from '../gateway/gateway.ts';
import { registerReconcileJob } from '../reconcile/reconcile.ts';
import { type OutboxWorker, startOutboxWorker } from './worker.ts';

export async function startEhrWriteBack(parts: {
  db: Kysely<Schema>;
  jobs: Jobs;
  gateway: EhrGateway;
  config: Config;
  logger: Logger;
}): Promise<OutboxWorker> {
  const { db, jobs, gateway, config, logger } = parts;
  const worker = await startOutboxWorker({
    db,
    gateway,
    jobs,
    logger,
    policy: { maxAttempts: config.ehrOutboxMaxAttempts, publicUrl: config.publicUrl, config },
  });
  await registerReconcileJob(jobs, db, gateway, logger);
  return worker;
}
