// Starts the real portal (`node src/main.ts start`) on a free port with a fresh
// data directory, and waits until it reports ready. A test can also reach the
// demo EHR the portal serves, and run a `portal` command on the same data.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const readyTimeoutMs = 60_000;

export interface PortalServer {
  url: string;
  /** The portal's DATA_DIR: a fresh temporary folder, removed by stop(). */
  dataDir: string;
  /**
   * The FHIR base of the demo EHR the running portal serves (no EHR address
   * configured), as DATA_DIR/demo-ehr/lock records it. A restart changes it.
   */
  demoEhrUrl(): Promise<string>;
  /**
   * Runs `portal <args>` (e.g. `ehr reconcile`) on this portal's data and
   * returns what it printed. The embedded database admits one process, so
   * the server stops for it and starts again, on the same address.
   */
  command(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Asks the OS for a free port: listen on 0, read the port, close. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP port assigned');
  return address.port;
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timeout = sleep(15_000).then(() => 'timeout' as const);
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

export interface PortalOptions {
  /** Extra environment, e.g. SESSION_IDLE_MINUTES. */
  env?: Record<string, string>;
}

function portalEnv(port: number, dataDir: string, options: PortalOptions): NodeJS.ProcessEnv {
  // Browsers reach the portal as localhost: WebAuthn needs a domain (not an IP)
  // as its relying party, and PUBLIC_URL must be the origin the browser sees.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://localhost:${port}`,
    DATA_DIR: dataDir,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    // Every test browser shares one address; the limit has its own unit test.
    RATE_LIMIT_PER_MINUTE: '100000',
    ...options.env,
  };
  // PostgreSQL when the tests were given one; otherwise the server's embedded PGlite.
  if (!process.env.DATABASE_URL) delete env.DATABASE_URL;
  return env;
}

export async function startPortal(options: PortalOptions = {}): Promise<PortalServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'portal-e2e-'));
  let server: Running | undefined;
  const stop = async () => {
    if (server) await stopChild(server.child);
    await rm(dataDir, { recursive: true, force: true });
  };
  let started: { port: number; env: NodeJS.ProcessEnv } | undefined;
  try {
    // A free port can be taken by another process (a parallel test file's demo
    // EHR) before the portal listens on it: then try another one.
    for (let attempt = 1; !started; attempt++) {
      const port = await freePort();
      const env = portalEnv(port, dataDir, options);
      try {
        server = await serve(env, port);
        started = { port, env };
      } catch (err) {
        if (attempt >= 3 || !String(err).includes('already in use')) throw err;
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const { port, env } = started;
  const url = env.PUBLIC_URL as string;

  return {
    url,
    dataDir,
    stop,
    async demoEhrUrl() {
      const lock = path.join(dataDir, 'demo-ehr', 'lock');
      const holder = JSON.parse(await readFile(lock, 'utf8')) as { pid?: number; url?: string };
      if (!holder.url || holder.pid !== server?.child.pid)
        throw new Error(
          `the running portal serves no demo EHR (${lock}: ${JSON.stringify(holder)})`,
        );
      return holder.url;
    },
    async command(args) {
      if (server) await stopChild(server.child);
      server = undefined;
      try {
        return await run(env, args);
      } finally {
        server = await serve(env, port);
      }
    },
  };
}

interface Running {
  child: ChildProcess;
}

/** Starts `portal start` and waits until it answers /readyz. */
async function serve(env: NodeJS.ProcessEnv, port: number): Promise<Running> {
  const child = spawn(process.execPath, ['src/main.ts', 'start'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `portal exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`,
      );
    if (await isReady(`http://127.0.0.1:${port}`)) return { child };
    await sleep(250);
  }
  await stopChild(child);
  throw new Error(`portal was not ready within ${readyTimeoutMs / 1000} s:\n${output}`);
}

/** `portal <args>` to the end; its output, or an error with it when it fails. */
async function run(env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['src/main.ts', ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  if (code !== 0)
    throw new Error(`portal ${args.join(' ')} failed (${code ?? signal}):\n${output}`);
  return output;
}
