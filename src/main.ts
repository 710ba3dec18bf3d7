// The `portal` command. Every failure a person can fix ends with one line on
// stderr and a non-zero exit code, never a stack trace.
import { Command } from 'commander';
import { loadConfig } from './config.ts';
import { createAdmin } from './modules/accounts/admins.ts';
import { demoBanner, demoCode, presentDemoAccounts } from './modules/accounts/demo.ts';
import {
  auditChainKey,
  formatHead,
  parseHead,
  sealAudit,
  verifyAudit,
} from './platform/audit/chain.ts';
import { describeRotation, rotateKeys } from './platform/crypto/keys-command.ts';
import { openDatabase } from './platform/db/database.ts';
import { migrate } from './platform/db/migrate.ts';
import { UserError } from './platform/errors.ts';
import { readPassword } from './platform/prompt.ts';
import { seedDemo } from './seed.ts';
import { startPortal } from './server.ts';

const program = new Command('portal')
  .description(
    'Patient portal: appointments, refills, secure messages and records beside your EHR.',
  )
  .showHelpAfterError('(run `portal --help` for the commands)');

program
  .command('start')
  .description('Migrate the database, seed demo data on an empty one, and serve the portal.')
  .addHelpText('after', '\nConfigured by environment variables: see .env.example.')
  .action(async () => {
    const config = loadConfig();
    const portal = await startPortal(config);
    const banner = config.demoData ? demoBanner(await presentDemoAccounts(portal.database.db)) : '';
    const shutdown = async (signal: string) => {
      console.log(`${signal} received: finishing in-flight work and stopping…`);
      // A second signal, or a stuck close, must still end the process.
      setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 5000).unref();
      await portal.stop();
      process.exit(0);
    };
    // Before saying it runs: whoever reads that line may stop it at once.
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
    console.log(`Patient portal is running at ${portal.url.replace('127.0.0.1', 'localhost')}`);
    if (!config.databaseUrl) console.log(`Embedded database: ${config.dataDir}`);
    if (banner) console.log(banner);
  });

program
  .command('migrate')
  .description('Apply pending database migrations and exit.')
  .action(() =>
    withDatabase(async (database) => {
      const applied = await migrate(database);
      console.log(
        applied.length
          ? `Applied migrations ${applied.join(', ')}.`
          : 'The database is up to date.',
      );
    }),
  );

program
  .command('seed')
  .description('Add demo data (idempotent: existing clinics are kept as they are).')
  .option('--demo', 'the three pilot clinics')
  .action((opts: { demo?: boolean }) => {
    if (!opts.demo) throw new UserError('Say what to seed: `portal seed --demo`.');
    return withDatabase(async (database) => {
      await migrate(database);
      const config = loadConfig();
      if (config.env === 'production')
        throw new UserError('Demo data is never added in production.');
      // The demo EHR's patients, unless a real EHR is configured (loaded only here: it is large).
      const { demoEhrPeople } = await import('./ehr/demo/link.ts');
      const people = await demoEhrPeople(config, { info() {}, error: (_, m) => console.error(m) });
      const { clinicsAdded, accountsAdded } = await seedDemo(database.db, config, people);
      console.log(
        clinicsAdded || accountsAdded
          ? `Demo data: ${clinicsAdded} clinic(s) added, ${accountsAdded} account(s) added.`
          : 'Demo data: already there, nothing added.',
      );
    });
  });

program
  .command('create-admin')
  .description('Create a system administrator account (asks for the password).')
  .requiredOption('--email <email>', 'e-mail address, used to sign in')
  .requiredOption('--name <name>', 'full name')
  .option('--password-stdin', 'read the password from standard input (for scripts)')
  .action((opts: { email: string; name: string; passwordStdin?: boolean }) =>
    withDatabase(async (database) => {
      await migrate(database);
      const password = await readPassword(Boolean(opts.passwordStdin));
      await createAdmin(database.db, { email: opts.email, name: opts.name, password });
      console.log(`System administrator ${opts.email.trim().toLowerCase()} created.`);
    }),
  );

const audit = program.command('audit').description('The audit trail.');
audit
  .command('verify')
  .description('Seal what is committed, then check the hash chain end to end.')
  .option('--max-lag-seconds <n>', 'unsealed events older than this are a problem', '300')
  .option(
    '--expect-head <seq:hash>',
    'a head from the "audit chain head" log lines: it must still be in the chain (repeatable)',
    (value: string, heads: string[]) => [...heads, value],
    [] as string[],
  )
  .action((opts: { maxLagSeconds: string; expectHead: string[] }) => {
    const lag = Number(opts.maxLagSeconds);
    if (!Number.isInteger(lag) || lag < 0)
      throw new UserError('--max-lag-seconds must be a whole number of seconds.');
    const expectHeads = opts.expectHead.map(parseHead);
    return withDatabase(async (database) => {
      const key = auditChainKey(loadConfig().encryptionKey);
      await sealAudit(database.db, key);
      const report = await verifyAudit(database.db, key, { maxLagSeconds: lag, expectHeads });
      for (const note of report.notes) console.log(`Note: ${note}`);
      if (!report.ok) throw new UserError(`Audit trail NOT intact: ${report.problems.join('\n')}`);
      const head = report.head ? `; head ${formatHead(report.head)}` : '';
      console.log(`Audit trail intact: ${report.sealed} events sealed${head}`);
    });
  });

const ehrCommands = program.command('ehr').description('The connection to the EHR.');
ehrCommands
  .command('reconcile')
  .description('Compare portal state with the EHR now; differences go to the discrepancy desk.')
  .option('--clinic <clinic>', 'only patients registered at this clinic (slug or id)')
  .option('--patient <id>', 'only this portal patient')
  .action((opts: { clinic?: string; patient?: string }) =>
    withDatabase(async (database) => {
      await migrate(database);
      // Loaded only here: the demo EHR and the FHIR definitions are large.
      const { describeSummary, reconcileCommand } = await import('./ehr/reconcile/command.ts');
      console.log(describeSummary(await reconcileCommand(loadConfig(), database, opts)));
    }),
  );
ehrCommands
  .command('sync')
  .description("Pull linked patients' records from the EHR into the portal's copy now.")
  .option('--clinic <clinic>', 'only patients registered at this clinic (slug or id)')
  .option('--patient <patient>', 'only this patient (portal id, or MRN)')
  .option('--full', 'fetch everything, not only what changed, and drop what the EHR deleted')
  .action((opts: { clinic?: string; patient?: string; full?: boolean }) =>
    withDatabase(async (database) => {
      await migrate(database);
      // Loaded only here: the demo EHR and the FHIR definitions are large.
      const { describeSyncSummary, syncCommand } = await import('./ehr/sync/command.ts');
      const summary = await syncCommand(loadConfig(), database, opts);
      console.log(describeSyncSummary(summary));
      if (summary.failed > 0) process.exitCode = 1;
    }),
  );

const keys = program.command('keys').description('The keys messages are encrypted with.');
keys
  .command('rotate')
  .description(
    'Re-wrap data keys under DATA_MASTER_KEY (old keys in DATA_MASTER_KEY_PREVIOUS) and start a new data key.',
  )
  .option('--no-new-data-key', 'only re-wrap; new writes keep the current data key')
  .action((opts: { newDataKey: boolean }) =>
    withDatabase(async (database) => {
      await migrate(database);
      console.log(describeRotation(await rotateKeys(database.db, loadConfig(), opts)));
    }),
  );

program
  .command('demo-code')
  .description('Print the current sign-in code of a demo staff account.')
  .requiredOption('--email <email>', 'a demo account, e.g. nurse@demo.portal.test')
  .action(async (opts: { email: string }) => {
    console.log(await demoCode(loadConfig(), opts.email));
  });

async function withDatabase(work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<void>) {
  const database = await openDatabase(loadConfig());
  try {
    await work(database);
  } finally {
    await database.close();
  }
}

function fail(err: unknown): never {
  const message =
    err instanceof UserError ? err.message : `unexpected error: ${(err as Error)?.message ?? err}`;
  for (const line of message.split('\n')) console.error(`portal: ${line}`);
  if (!(err instanceof UserError) && process.env.LOG_LEVEL === 'debug') console.error(err);
  process.exit(1);
}

process.on('unhandledRejection', fail);
program.parseAsync().catch(fail);
