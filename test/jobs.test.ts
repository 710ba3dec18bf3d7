// Background jobs live in the portal's own database: a job queued before a
// restart is worked after it, queue depths are visible, and on the embedded
// database pg-boss's polling never slips into an open Kysely transaction.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { createLogger } from '../src/platform/http/logging.ts';
import { type Jobs, startJobs } from '../src/platform/jobs/jobs.ts';
import { createServerDatabase, serverUrl } from './support/database.ts';

/** Where the database lives: the same place is reopened after a "restart". */
let location: { databaseUrl?: string; dataDir: string };
let cleanup: () => Promise<void>;

beforeAll(async () => {
  if (serverUrl) {
    const { url, drop } = await createServerDatabase();
    location = { databaseUrl: url, dataDir: '' };
    cleanup = drop;
  } else {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-jobs-'));
    location = { dataDir };
    cleanup = async () => fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const database = await openDatabase(location);
  await migrate(database);
  await database.close();
});
afterAll(() => cleanup());

/** A logger that keeps its lines, so a test can check pg-boss reported no errors. */
function memoryLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('warn', sink), errors: () => lines.join('') };
}

/** Opened in a test and closed after it, even when the test fails. */
const open: { jobs?: Jobs; database?: Database }[] = [];
async function start(work: boolean) {
  const database = await openDatabase(location);
  const { logger, errors } = memoryLogger();
  const jobs = await startJobs(database, logger, { work });
  const opened = { jobs, database };
  open.push(opened);
  return {
    ...opened,
    errors,
    async stop() {
      open.splice(open.indexOf(opened), 1);
      await jobs.stop(5000);
      await database.close();
    },
  };
}
afterEach(async () => {
  for (const { jobs, database } of open.splice(0)) {
    await jobs?.stop(0).catch(() => {});
    await database?.close().catch(() => {});
  }
});

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const nothing = async () => {};

describe('jobs', () => {
  it('survive a restart: queued by one run, worked by the next', { timeout: 60_000 }, async () => {
    const first = await start(false);
    await first.jobs.handle('restart-test', nothing);
    const id = await first.jobs.send('restart-test', { greeting: 'hello', n: 1 });
    expect(id).toEqual(expect.any(String));
    await first.stop();

    const second = await start(true);
    const received: { id: string; data: object }[] = [];
    await second.jobs.handle('restart-test', async ([job]) => {
      if (job) received.push({ id: job.id, data: job.data });
    });
    const job = await until('the job queued before the restart', () => received[0]);
    expect(job).toEqual({ id, data: { greeting: 'hello', n: 1 } });
    expect(second.errors()).toBe('');
    await second.stop();
  });

  it('show in depths() as queued until worked', { timeout: 60_000 }, async () => {
    const { jobs, stop } = await start(false);
    await jobs.handle('depth-test', nothing);
    await jobs.send('depth-test', { n: 1 });
    await jobs.send('depth-test', { n: 2 });
    const depth = await until('the queue depth', async () =>
      (await jobs.depths()).find((d) => d.queue === 'depth-test' && d.queued > 0),
    );
    expect(depth).toEqual({ queue: 'depth-test', queued: 2, active: 0 });
    await stop();
  });

  it('leave an open transaction undisturbed while they poll and run', {
    timeout: 60_000,
  }, async () => {
    const { jobs, database, errors, stop } = await start(true);
    let transactionOpen = false;
    const received: { data: object; duringTransaction: boolean }[] = [];
    await jobs.handle('tx-test', async ([job]) => {
      if (job) received.push({ data: job.data, duringTransaction: transactionOpen });
    });
    // The transaction stays open across a poll (pg-boss polls every 2 s by default), and a
    // job is sent while it is open: on the embedded database, which is one connection, that
    // send must wait for the transaction rather than run inside it and be rolled back with it.
    let sent: Promise<string | null> | undefined;
    const transaction = database.db.transaction().execute(async (trx) => {
      transactionOpen = true;
      await trx
        .insertInto('users')
        .values({ email: 'jobs-tx@example.org', display_name: 'Jobs Tx' })
        .execute();
      sent = jobs.send('tx-test', { during: 'transaction' });
      await new Promise((r) => setTimeout(r, 2500));
      const inside = await trx
        .selectFrom('users')
        .where('email', '=', 'jobs-tx@example.org')
        .select('email')
        .execute();
      expect(inside).toEqual([{ email: 'jobs-tx@example.org' }]);
      throw new Error('roll back');
    });
    await expect(transaction).rejects.toThrow('roll back');
    transactionOpen = false;
    const id = await sent;
    expect(id).toEqual(expect.any(String));

    const after = await database.db
      .selectFrom('users')
      .where('email', '=', 'jobs-tx@example.org')
      .select('id')
      .execute();
    expect(after).toEqual([]);
    await until('the job sent during the transaction', () => received[0]);
    // Its completion is kept. On the embedded database it was worked after the transaction,
    // not inside it; a server gives pg-boss connections of its own, so there it may be earlier.
    expect(received).toEqual([
      {
        data: { during: 'transaction' },
        duringTransaction: database.kind === 'embedded' ? false : expect.any(Boolean),
      },
    ]);
    const job = await until('the job to be completed', async () => {
      const found = await jobs.boss.getJobById('tx-test', id ?? '');
      return found?.state === 'completed' ? found : undefined;
    });
    expect(job.data).toEqual({ during: 'transaction' });
    expect(errors()).toBe('');
    await stop();
  });
});
