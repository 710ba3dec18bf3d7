// The `portal` command as a person runs it: each failure they can fix ends
// with one line on stderr naming the problem and a non-zero exit code, the
// commands do what they say, and `start` serves and stops cleanly on SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createServerDatabase, serverUrl } from './support/database.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAIN = path.join(ROOT, 'src', 'main.ts');
const SHUTDOWN_TIMEOUT_MS = 5000;

interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `pattern` on stdout. */
  waitForStdout(pattern: RegExp): Promise<RegExpMatchArray>;
}

const children = new Set<ChildProcess>();

/** Starts `node src/main.ts ...args` with only the environment given (plus PATH and HOME). */
function run(args: string[], env: Record<string, string> = {}, input?: string): Running {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      TZ: 'UTC',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  const watchers = new Set<() => void>();
  child.stdout?.on('data', (chunk) => {
    out += chunk;
    for (const w of watchers) w();
  });
  child.stderr?.on('data', (chunk) => {
    err += chunk;
  });
  child.stdin?.end(input ?? '');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      for (const w of watchers) w();
      resolve({ code, signal });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForStdout: (pattern) =>
      within(
        60_000,
        `stdout to match ${pattern}`,
        new Promise((resolve, reject) => {
          const check = () => {
            const match = out.match(pattern);
            if (match) resolve(match);
            else if (child.exitCode !== null || child.signalCode !== null)
              reject(new Error(`exited before ${pattern}; stdout: ${out}; stderr: ${err}`));
          };
          watchers.add(check);
          check();
        }),
      ),
  };
}

/** Runs a command to its end. */
async function portal(args: string[], env: Record<string, string> = {}, input?: string) {
  const running = run(args, env, input);
  const { code } = await within(60_000, `portal ${args.join(' ')}`, running.exited);
  return { code, stdout: running.stdout(), stderr: running.stderr() };
}

/** A generous deadline so a hung child fails the test instead of hanging it. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  await within(
    10_000,
    'children to end',
    Promise.all([...children].map((c) => new Promise((r) => c.once('close', r)))),
  );
});

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A database of its own: a temp DATA_DIR, plus a fresh server database when testing on one. */
async function freshDatabase(): Promise<Record<string, string>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-cli-'));
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  if (!serverUrl) return { DATA_DIR: dataDir };
  const { url, drop } = await createServerDatabase();
  cleanups.push(drop);
  return { DATA_DIR: dataDir, DATABASE_URL: url };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const lines = (text: string) => text.trimEnd().split('\n');
const STACK_FRAME = /^\s+at /m;

/** One line on stderr, matching `pattern`, no stack trace, a non-zero exit code. */
function expectOneLineFailure(
  result: { code: number | null; stderr: string },
  pattern: RegExp,
): void {
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  expect(result.stderr).not.toMatch(STACK_FRAME);
  expect(lines(result.stderr)).toEqual([expect.stringMatching(pattern)]);
}

describe('help', () => {
  it('lists the commands', async () => {
    const { code, stdout } = await portal(['--help']);
    expect(code).toBe(0);
    for (const command of ['start', 'migrate', 'seed', 'create-admin'])
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it.each(['start', 'migrate', 'seed', 'create-admin'])('of %s exits 0', async (command) => {
    const { code, stdout, stderr } = await portal([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: portal ${command}`);
    expect(stderr).toBe('');
  });
});

describe('configuration problems', () => {
  it('a malformed DATABASE_URL is named, without echoing it', async () => {
    const result = await portal(['start'], { DATABASE_URL: 'postgres//nope' });
    expectOneLineFailure(result, /DATABASE_URL/);
    expect(result.stderr).not.toContain('postgres//nope');
  });

  it('an unknown NODE_ENV is named', async () => {
    const result = await portal(['start'], { NODE_ENV: 'staging' });
    expectOneLineFailure(result, /NODE_ENV.*staging/);
  });

  it('production without its secrets lists each problem on a line of its own', async () => {
    const result = await portal(['start'], { NODE_ENV: 'production' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    const named = lines(result.stderr).map((line) => line.match(/^portal: ([A-Z_]+): /)?.[1]);
    expect(named).toEqual([
      'EHR_FHIR_BASE_URL',
      'COOKIE_SECRET',
      'ENCRYPTION_KEY',
      'DATA_MASTER_KEY',
      'SMTP_URL',
      'DATABASE_URL',
      'PUBLIC_URL',
    ]);
  });

  it('a port already in use is named', { timeout: 60_000 }, async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as net.AddressInfo;
      const result = await portal(['start'], {
        ...(await freshDatabase()),
        HOST: '127.0.0.1',
        PORT: String(port),
      });
      expectOneLineFailure(result, new RegExp(`${port} is already in use`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('seed', () => {
  it('asks what to seed', async () => {
    const result = await portal(['seed'], await freshDatabase());
    expectOneLineFailure(result, /seed --demo/);
  });

  it('adds the three demo clinics once', { timeout: 60_000 }, async () => {
    const env = await freshDatabase();
    const first = await portal(['seed', '--demo'], env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/\b3 clinic\(s\) added/);
    const second = await portal(['seed', '--demo'], env);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(/already there, nothing added/);
  });
});

describe('migrate', () => {
  it('applies the migrations, then says the database is up to date', {
    timeout: 60_000,
  }, async () => {
    const env = await freshDatabase();
    const first = await portal(['migrate'], env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/Applied migrations 0001/);
    const second = await portal(['migrate'], env);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(/up to date/);
  });
});

describe('create-admin', () => {
  it('refuses a short password, creates the admin, then refuses a duplicate', {
    timeout: 60_000,
  }, async () => {
    const env = await freshDatabase();
    const args = [
      'create-admin',
      '--email',
      'a@example.org',
      '--name',
      'Ada Admin',
      '--password-stdin',
    ];
    const short = await portal(args, env, 'short\n');
    expectOneLineFailure(short, /at least 12 characters/);

    const good = 'correct horse battery staple\n';
    const created = await portal(args, env, good);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/System administrator a@example\.org created/);

    const again = await portal(args, env, good);
    expectOneLineFailure(again, /a@example\.org already exists/);
  });
});

describe('start', () => {
  async function startPortal(env: Record<string, string>) {
    const port = await freePort();
    const running = run(['start'], { ...env, HOST: '127.0.0.1', PORT: String(port) });
    await running.waitForStdout(new RegExp(`running at http://localhost:${port}\\b`));
    return { ...running, base: `http://127.0.0.1:${port}` };
  }

  it('serves the portal and exits 0 on SIGTERM', { timeout: 90_000 }, async () => {
    const portal = await startPortal(await freshDatabase());
    const ready = await fetch(`${portal.base}/readyz`);
    expect(ready.status).toBe(200);
    const clinics = await fetch(`${portal.base}/api/clinics`);
    expect(clinics.status).toBe(200);
    expect(((await clinics.json()) as { clinics: unknown[] }).clinics).toHaveLength(3);

    portal.child.kill('SIGTERM');
    // A stuck shutdown exits 1 after SHUTDOWN_TIMEOUT_MS + 5 s, so 0 means it finished in time.
    const { code } = await within(SHUTDOWN_TIMEOUT_MS + 30_000, 'exit', portal.exited);
    expect(code).toBe(0);
    expect(portal.stdout()).toMatch(/SIGTERM received/);
    expect(portal.stderr()).toBe('');
  });

  if (!serverUrl) {
    it('refuses a second instance on the same embedded database', {
      timeout: 90_000,
    }, async () => {
      const env = await freshDatabase();
      const first = await startPortal(env);
      const second = await portal(['start'], {
        ...env,
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
      });
      expectOneLineFailure(second, /embedded database .* is in use by process \d+/);
      // The first is unharmed.
      expect((await fetch(`${first.base}/readyz`)).status).toBe(200);
      first.child.kill('SIGTERM');
      expect((await within(SHUTDOWN_TIMEOUT_MS + 30_000, 'exit', first.exited)).code).toBe(0);
    });
  } else {
    it('runs two instances on one server database', { timeout: 90_000 }, async () => {
      const env = await freshDatabase();
      const [a, b] = await Promise.all([startPortal(env), startPortal(env)]);
      for (const instance of [a, b]) {
        expect((await fetch(`${instance.base}/readyz`)).status).toBe(200);
        const clinics = await fetch(`${instance.base}/api/clinics`);
        expect(((await clinics.json()) as { clinics: unknown[] }).clinics).toHaveLength(3);
      }
      for (const instance of [a, b]) instance.child.kill('SIGTERM');
      for (const instance of [a, b])
        expect((await within(SHUTDOWN_TIMEOUT_MS + 30_000, 'exit', instance.exited)).code).toBe(0);
    });
  }
});
