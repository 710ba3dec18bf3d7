// Configuration is checked once at start: defaults that work on a laptop,
// one line per problem naming the variable, and a production mode that
// refuses the laptop conveniences.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Config, DEV_COOKIE_SECRET, loadConfig, VARIABLES } from '../src/config.ts';
import { UserError } from '../src/platform/errors.ts';

type Env = Record<string, string | undefined>;

const SECRET = 'k7Qe9vXb2LrTz4Wm8NpA1sDf6GhJc3Uy';

const productionEnv: Env = {
  NODE_ENV: 'production',
  COOKIE_SECRET: SECRET,
  DATABASE_URL: 'postgres://portal:pw@db.internal:5432/portal',
  PUBLIC_URL: 'https://portal.example.org',
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  DATA_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
  SMTP_URL: 'smtp://mailer:pw@smtp.example.org:587',
  EHR_FHIR_BASE_URL: 'https://ehr.example.org/fhir/R4',
};

/** The problem lines loadConfig reports for `env` (fails if it accepts it). */
function problems(env: Env): string[] {
  let thrown: unknown;
  try {
    loadConfig(env);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected ${JSON.stringify(env)} to be refused`).toBeInstanceOf(UserError);
  return (thrown as Error).message.split('\n');
}

/** The single problem line for `env`, which must name `variable`. */
function onlyProblem(env: Env, variable: string): string {
  const lines = problems(env);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${variable}: `));
  return lines[0] ?? '';
}

describe('defaults', () => {
  it('work on a laptop with an empty environment', () => {
    const config: Config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.port).toBe(3000);
    expect(config.host).toBe('localhost');
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.logLevel).toBe('info');
    expect(config.cookieSecret).toBe(DEV_COOKIE_SECRET);
    expect(config.demoData).toBe(true);
    expect(config.trustProxy).toBe(false);
    expect(config.metricsToken).toBeUndefined();
  });

  it('turn demo data on outside production', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).demoData).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).demoData).toBe(true);
    expect(loadConfig(productionEnv).demoData).toBe(false);
  });

  it('derive PUBLIC_URL from PORT and treat empty values as unset', () => {
    expect(loadConfig({ PORT: '8081' }).publicUrl).toBe('http://localhost:8081');
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
    });
  });

  it('accept a server database URL', () => {
    const url = 'postgresql://portal:pw@db.internal:5432/portal';
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });
});

describe('bad values', () => {
  it.each([
    ['postgres//x', /not a postgres:\/\//],
    ['mysql://h/db', /must start with postgres:\/\//],
    ['postgres://host', /names no database/],
  ])('DATABASE_URL %s is refused', (url, reason) => {
    expect(onlyProblem({ DATABASE_URL: url }, 'DATABASE_URL')).toMatch(reason);
  });

  it.each([
    'mysql://admin:Pa55-w0rd-xyzzy@h/db',
    'postgres//admin:Pa55-w0rd-xyzzy@h/db',
    'postgres://admin:Pa55-w0rd-xyzzy@host',
  ])('DATABASE_URL message never shows the password of %s', (url) => {
    const message = problems({ DATABASE_URL: url }).join('\n');
    expect(message).toMatch(/^DATABASE_URL: /);
    expect(message).not.toContain('Pa55-w0rd-xyzzy');
  });

  it.each(['abc', '70000', '-1', '3000.5'])('PORT %s is refused', (port) => {
    expect(onlyProblem({ PORT: port }, 'PORT')).toContain(port);
  });

  it('NODE_ENV must be a known environment', () => {
    expect(onlyProblem({ NODE_ENV: 'staging' }, 'NODE_ENV')).toMatch(/"staging" is not one of/);
  });

  it('LOG_LEVEL must be a pino level', () => {
    expect(onlyProblem({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL')).toMatch(/"loud" is not one of/);
  });

  it('COOKIE_SECRET must be long enough, and is never echoed', () => {
    const line = onlyProblem({ COOKIE_SECRET: 'short-secret' }, 'COOKIE_SECRET');
    expect(line).toMatch(/at least 32 characters/);
    expect(line).not.toContain('short-secret');
  });

  it('booleans and the other checked values name their variable', () => {
    expect(onlyProblem({ DEMO_DATA: 'maybe' }, 'DEMO_DATA')).toMatch(/not true or false/);
    expect(onlyProblem({ TRUST_PROXY: 'perhaps' }, 'TRUST_PROXY')).toMatch(
      /not an IP address or CIDR range/,
    );
    onlyProblem({ PUBLIC_URL: 'ftp://portal.example.org' }, 'PUBLIC_URL');
    onlyProblem({ METRICS_TOKEN: 'tiny' }, 'METRICS_TOKEN');
    onlyProblem({ SHUTDOWN_TIMEOUT_MS: 'soon' }, 'SHUTDOWN_TIMEOUT_MS');
  });

  it('are all reported at once, one line each', () => {
    const lines = problems({
      DATABASE_URL: 'mysql://h/db',
      PORT: 'abc',
      NODE_ENV: 'staging',
      LOG_LEVEL: 'loud',
      COOKIE_SECRET: 'short',
    });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual(
      ['COOKIE_SECRET', 'DATABASE_URL', 'LOG_LEVEL', 'NODE_ENV', 'PORT'].sort(),
    );
  });
});

describe('TRUST_PROXY', () => {
  it.each([
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8', ['10.0.0.0/8']],
    ['10.0.0.0/8, 127.0.0.1,fd00::/8', ['10.0.0.0/8', '127.0.0.1', 'fd00::/8']],
    ['loopback,192.168.1.10', ['loopback', '192.168.1.10']],
  ])('accepts %s', (value, expected) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it('refuses true, which would believe any client, saying what to give instead', () => {
    for (const value of ['true', 'TRUE', 'yes']) {
      const line = onlyProblem({ TRUST_PROXY: value }, 'TRUST_PROXY');
      expect(line).toMatch(/number of proxies in front \(e\.g\. 1\) or their addresses/);
    }
  });

  it.each(['10.0.0.0/33', '10.0.0.300', 'fd00::/129', '10.0.0.0/8/1', 'lb.internal', '11'])(
    'refuses %s',
    (value) => {
      onlyProblem({ TRUST_PROXY: value }, 'TRUST_PROXY');
    },
  );
});

describe('production', () => {
  it('accepts a complete, safe environment', () => {
    const config = loadConfig(productionEnv);
    expect(config).toMatchObject({
      env: 'production',
      cookieSecret: SECRET,
      databaseUrl: productionEnv.DATABASE_URL,
      publicUrl: 'https://portal.example.org',
      demoData: false,
    });
  });

  it.each([
    ['a missing COOKIE_SECRET', { COOKIE_SECRET: undefined }, 'COOKIE_SECRET'],
    ['the development COOKIE_SECRET', { COOKIE_SECRET: DEV_COOKIE_SECRET }, 'COOKIE_SECRET'],
    ['a missing ENCRYPTION_KEY', { ENCRYPTION_KEY: undefined }, 'ENCRYPTION_KEY'],
    ['a missing DATA_MASTER_KEY', { DATA_MASTER_KEY: undefined }, 'DATA_MASTER_KEY'],
    ['a missing SMTP_URL', { SMTP_URL: undefined }, 'SMTP_URL'],
    ['no DATABASE_URL', { DATABASE_URL: undefined }, 'DATABASE_URL'],
    ['DEMO_DATA=true', { DEMO_DATA: 'true' }, 'DEMO_DATA'],
    ['an http:// PUBLIC_URL', { PUBLIC_URL: 'http://portal.example.org' }, 'PUBLIC_URL'],
    ['the default PUBLIC_URL', { PUBLIC_URL: undefined }, 'PUBLIC_URL'],
  ])('refuses %s', (_what, change: Env, variable) => {
    onlyProblem({ ...productionEnv, ...change }, variable);
  });

  it('lists every refusal at once', () => {
    const lines = problems({ NODE_ENV: 'production', DEMO_DATA: 'true' });
    expect(lines.map((l) => l.split(':')[0]).sort()).toEqual([
      'COOKIE_SECRET',
      'DATABASE_URL',
      'DATA_MASTER_KEY',
      'DEMO_DATA',
      'EHR_FHIR_BASE_URL',
      'ENCRYPTION_KEY',
      'PUBLIC_URL',
      'SMTP_URL',
    ]);
  });
});

describe('.env.example', () => {
  it('names every variable the portal reads, and no others', () => {
    const file = path.resolve(import.meta.dirname, '../.env.example');
    const text = fs.readFileSync(file, 'utf8');
    // Both set (`KEY=value`) and commented-out (`# KEY=`) assignments count.
    const named = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(new Set(named).size).toBe(named.length);
    expect(named.sort()).toEqual(Object.keys(VARIABLES).sort());
  });
});
