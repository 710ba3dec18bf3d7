// Runs the portal: open the database, migrate, seed demo data, start jobs,
// listen; on SIGTERM/SIGINT stop accepting, finish in-flight work, close.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type AppParts, buildApp } from './app.ts';
import type { Config } from './config.ts';
import { demoPatientsFromEhr } from './ehr/demo/link.ts';
import { type DemoEhr, startDemoEhr } from './ehr/demo/server.ts';
import { createGateway } from './ehr/gateway/fhir-client.ts';
import { startEhrWriteBack } from './ehr/outbox/background.ts';
import type { OutboxWorker } from './ehr/outbox/worker.ts';
import { registerSyncJobs } from './ehr/sync/jobs.ts';
import { type Sealer, startSealer } from './modules/compliance/sealer.ts';
import { registerStaleUploadsJob } from './modules/messaging/attachments.ts';
import { registerInventoryJobs } from './modules/scheduling/jobs.ts';
import { registerReminderJob } from './modules/scheduling/reminders.ts';
import { registerWaitlistJob } from './modules/scheduling/waitlist.ts';
import { auditChainKey } from './platform/audit/chain.ts';
import { type Database, openDatabase } from './platform/db/database.ts';
import { migrate } from './platform/db/migrate.ts';
import { UserError } from './platform/errors.ts';
import { createLogger } from './platform/http/logging.ts';
import { type Jobs, startJobs } from './platform/jobs/jobs.ts';
import { registerMailSender } from './platform/mail/mail.ts';
import { seedIfEmpty } from './seed.ts';

export interface RunningPortal {
  url: string;
  stop(): Promise<void>;
}

export async function startPortal(
  config: Config,
  logger = createLogger(config.logLevel),
  /** More route plugins (tests use it). */
  extra: Pick<AppParts, 'plugins'> = {},
) {
  const database = await openDatabase(config);
  let jobs: Jobs | undefined;
  let sealer: Sealer | undefined;
  let app: FastifyInstance | undefined;
  let draining = false;
  let demoEhr: DemoEhr | undefined;
  let writeBack: OutboxWorker | undefined;
  try {
    // Without an EHR address the portal brings its own, on a loopback port.
    if (!config.ehr.baseUrl) demoEhr = await startDemoEhr({ dataDir: config.dataDir, log: logger });
    const applied = await migrate(database);
    if (applied.length) logger.info({ applied }, 'database migrated');
    if (config.demoData) {
      const ehr = demoEhr && createGateway(config.ehr, { baseUrl: demoEhr.baseUrl, log: logger });
      const seeded = await seedIfEmpty(
        database.db,
        config,
        ehr && (() => demoPatientsFromEhr(ehr)),
      );
      if (seeded.clinicsAdded || seeded.accountsAdded) logger.info(seeded, 'demo data seeded');
    }
    jobs = await startJobs(database, logger);
    await registerMailSender(jobs, database.db, config);
    writeBack = await startEhrWriteBack({
      db: database.db,
      jobs,
      gateway: createGateway(config.ehr, { baseUrl: demoEhr?.baseUrl, log: logger }),
      config,
      logger,
    });
    await registerSyncJobs(
      jobs,
      database.db,
      createGateway(config.ehr, { baseUrl: demoEhr?.baseUrl, log: logger }),
      logger,
      { catchUp: true },
    );
    await registerInventoryJobs(
      jobs,
      database.db,
      createGateway(config.ehr, { baseUrl: demoEhr?.baseUrl, log: logger }),
      logger,
    );
    await registerReminderJob(jobs, database.db, config, logger);
    await registerWaitlistJob(jobs, database.db, config, logger);
    await registerStaleUploadsJob(jobs, database.db, logger);
    sealer = startSealer(database.db, logger, auditChainKey(config.encryptionKey));
    app = await buildApp({
      config,
      database,
      logger,
      jobs,
      ehr: createGateway(config.ehr, { baseUrl: demoEhr?.baseUrl, log: logger }),
      draining: () => draining,
      plugins: extra.plugins,
    });
    await listen(app, config);
  } catch (err) {
    await closeAll(logger, config, app, jobs, sealer, database, demoEhr, writeBack);
    throw err;
  }
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port(app)}`;
  const stop = async () => {
    draining = true;
    await closeAll(logger, config, app, jobs, sealer, database, demoEhr, writeBack);
  };
  const ehrBaseUrl = demoEhr?.baseUrl ?? (config.ehr.baseUrl as string);
  return { url, stop, app, database, jobs, ehrBaseUrl };
}

async function listen(app: FastifyInstance, config: Config) {
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UserError(
        `Port ${config.port} is already in use; stop the other program or set PORT.`,
      );
    if (code === 'EACCES')
      throw new UserError(`Not allowed to listen on port ${config.port}; use a port above 1023.`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new UserError(`HOST ${config.host} is not an address of this machine.`);
    throw err;
  }
}

function port(app: FastifyInstance): number {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** In order: stop taking requests (in-flight ones finish), jobs, the demo EHR, the sealer, the database. */
async function closeAll(
  logger: Logger,
  config: Config,
  app: FastifyInstance | undefined,
  jobs: Jobs | undefined,
  sealer: Sealer | undefined,
  database: Database,
  demoEhr?: DemoEhr,
  writeBack?: OutboxWorker,
) {
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      logger.error({ err }, `shutdown: ${what} failed`);
    }
  };
  if (app) await step('closing HTTP', () => app.close());
  if (writeBack) await step('finishing EHR write-back', () => writeBack.stop());
  if (jobs) await step('stopping jobs', () => jobs.stop(config.shutdownTimeoutMs));
  if (demoEhr) await step('stopping the demo EHR', () => demoEhr.close());
  if (sealer) await step('sealing the audit trail', () => sealer.stop());
  await step('closing the database', () => database.close());
}
