// Builds the whole app on a fresh database with logs captured in memory.
import { Writable } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { EhrGateway } from '../../src/ehr/gateway/gateway.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import { createLogger } from '../../src/platform/http/logging.ts';
import type { Jobs } from '../../src/platform/jobs/jobs.ts';
import { type TestDatabase, testDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  config: Config;
  /** Every log line written so far. */
  logs(): string;
  close(): Promise<void>;
}

export async function testApp(
  options: {
    env?: Record<string, string>;
    plugins?: FastifyPluginAsync[];
    webRoot?: string;
    jobs?: Jobs;
    ehr?: EhrGateway;
    draining?: () => boolean;
    database?: TestDatabase;
  } = {},
): Promise<TestApp> {
  // Tests send many requests from one address: the rate limit has its own test.
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...options.env,
  });
  const database = options.database ?? (await testDatabase());
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const app = await buildApp({
    config,
    database,
    logger,
    jobs: options.jobs,
    ehr: options.ehr,
    plugins: options.plugins,
    webRoot: options.webRoot ?? '/nonexistent-web-root',
    draining: options.draining,
  });
  return {
    app,
    database,
    config,
    logs: () => lines.join(''),
    async close() {
      await app.close();
      if (!options.database) await database.close();
    },
  };
}

/**
 * Another instance of the app on `first`'s database. On PostgreSQL it has its
 * own pool and listening connections, as another process would; embedded,
 * one process holds the database, so it shares `first`'s.
 */
export async function secondInstance(
  first: TestApp,
  options: { plugins?: FastifyPluginAsync[] } = {},
): Promise<TestApp> {
  const url = first.database.url;
  const database = url ? await openDatabase({ databaseUrl: url, dataDir: '' }) : first.database;
  const second = await testApp({ ...options, database });
  return {
    ...second,
    async close() {
      await second.close();
      if (url) await database.close();
    },
  };
}
