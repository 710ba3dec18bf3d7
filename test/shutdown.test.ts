// Graceful shutdown of a running portal: a request already being answered
// finishes, new ones are turned away with 503 while it does, and afterwards
// the port is closed and so is the database.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/platform/db/database.ts';
import { createLogger } from '../src/platform/http/logging.ts';
import { startPortal } from '../src/server.ts';
import { createServerDatabase, serverUrl } from './support/database.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A portal on a database of its own, with a route that says when it has
 * started, then waits a second, reads the database and answers.
 */
async function runningPortal(onAnswer: () => void = () => {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-shutdown-'));
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  let databaseUrl: string | undefined;
  if (serverUrl) {
    const { url, drop } = await createServerDatabase();
    cleanups.push(drop);
    databaseUrl = url;
  }
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0', // the system picks a free port; portal.url names it
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'true',
    SHUTDOWN_TIMEOUT_MS: '5000',
  });

  let database: Database | undefined;
  let started!: () => void;
  const whenStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  const slow: FastifyPluginAsync = async (app) => {
    app.get('/test/slow', { config: { access: 'public' } }, async () => {
      started();
      await new Promise((r) => setTimeout(r, 1000));
      // A request in flight may still need the database: it must be closed last.
      const clinics = await database?.db.selectFrom('clinics').select('slug').execute();
      onAnswer();
      return { clinics: clinics?.length };
    });
  };

  const portal = await startPortal(config, createLogger('silent'), { plugins: [slow] });
  database = portal.database;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= portal.stop();
    return stopped;
  };
  cleanups.push(stop);
  return { portal, config, port: Number(new URL(portal.url).port), stop, whenStarted };
}

interface RawResponse {
  status: number;
  body: string;
}

/**
 * One keep-alive connection on which requests are written as the test goes,
 * so a request can arrive while the server is shutting down.
 */
function connection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let buffer = '';
  const responses: RawResponse[] = [];
  const waiting: (() => void)[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (;;) {
      const headEnd = buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) break;
      const head = buffer.slice(0, headEnd);
      const length = Number(head.match(/^content-length:\s*(\d+)/im)?.[1] ?? 0);
      if (buffer.length < headEnd + 4 + length) break;
      responses.push({
        status: Number(head.match(/^HTTP\/1\.1 (\d{3})/)?.[1]),
        body: buffer.slice(headEnd + 4, headEnd + 4 + length),
      });
      buffer = buffer.slice(headEnd + 4 + length);
      for (const w of waiting.splice(0)) w();
    }
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  return {
    get: (url: string) => socket.write(`GET ${url} HTTP/1.1\r\nHost: localhost\r\n\r\n`),
    /** Resolves once `n` responses have arrived. */
    async responses(n: number): Promise<RawResponse[]> {
      while (responses.length < n) {
        if (socket.destroyed) throw new Error(`connection closed after ${responses.length}`);
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          socket.once('close', resolve);
        });
      }
      return responses.slice(0, n);
    },
    closed,
    destroy: () => socket.destroy(),
  };
}

function connect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', reject);
  });
}

describe('stop()', () => {
  it('lets a request in flight finish and turns new ones away with 503', {
    timeout: 60_000,
  }, async () => {
    let stopResolved = false;
    let answeredAfterStop: boolean | undefined;
    const { port, stop, whenStarted } = await runningPortal(() => {
      answeredAfterStop = stopResolved;
    });
    const conn = connection(port);
    cleanups.push(async () => {
      conn.destroy();
    });

    conn.get('/test/slow');
    await whenStarted;
    const stopping = stop().then(() => {
      stopResolved = true;
    });
    // Arrives on the open connection after shutdown began (a new one would be refused).
    conn.get('/readyz');

    const [answered] = await conn.responses(1);
    expect(answered).toEqual({ status: 200, body: JSON.stringify({ clinics: 3 }) });
    // The handler answered while stop() was still waiting for it.
    expect(answeredAfterStop).toBe(false);

    const [, readyz] = await conn.responses(2);
    expect(readyz?.status).toBe(503);
    await stopping;
    await conn.closed;
  });

  it('closes the port and the database', { timeout: 60_000 }, async () => {
    const { portal, port, stop, config } = await runningPortal();
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    await stop();

    await expect(connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(sql`select 1`.execute(portal.database.db)).rejects.toThrow();

    // Closed cleanly: the same database opens again (the embedded one's lock is released)
    // and keeps what was written.
    const reopened = await openDatabase(config);
    try {
      const clinics = await reopened.db.selectFrom('clinics').select('slug').execute();
      expect(clinics).toHaveLength(3);
    } finally {
      await reopened.close();
    }
  });
});
