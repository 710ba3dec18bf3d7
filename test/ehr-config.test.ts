// The EHR settings are checked at start with the rest of the configuration:
// each missing or contradictory setting is one line naming the variable, and
// no line ever repeats a token or a key.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { DEFAULT_EHR_SCOPE } from '../src/ehr/config.ts';
import { UserError } from '../src/platform/errors.ts';

type Env = Record<string, string | undefined>;

const pem = (key: crypto.KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
const RSA_KEY = pem(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
const P384_KEY = pem(crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
const P256_KEY = pem(crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

const smart: Env = {
  EHR_FHIR_BASE_URL: 'https://ehr.example.org/fhir/R4/',
  EHR_AUTH: 'smart-backend',
  EHR_CLIENT_ID: 'portal',
  EHR_PRIVATE_KEY: RSA_KEY,
};

function problems(env: Env): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message.split('\n');
  }
  throw new Error(`expected ${Object.keys(env).join(', ')} to be refused`);
}

describe('EHR settings', () => {
  it('default to the demo EHR, no sign-in and a 10 s time limit', () => {
    expect(loadConfig({}).ehr).toEqual({
      baseUrl: undefined,
      auth: { kind: 'none' },
      timeoutMs: 10_000,
    });
  });

  it('take a static bearer token', () => {
    const { ehr } = loadConfig({
      EHR_FHIR_BASE_URL: 'http://ehr.local/fhir',
      EHR_AUTH: 'bearer',
      EHR_BEARER_TOKEN: 't0k',
    });
    expect(ehr).toEqual({
      baseUrl: 'http://ehr.local/fhir',
      auth: { kind: 'bearer', token: 't0k' },
      timeoutMs: 10_000,
    });
  });

  it('pick RS384 for an RSA key and ES384 for a P-384 key, with the default scope', () => {
    const rsa = loadConfig(smart).ehr;
    expect(rsa.baseUrl).toBe('https://ehr.example.org/fhir/R4');
    expect(rsa.auth).toMatchObject({
      kind: 'smart-backend',
      clientId: 'portal',
      alg: 'RS384',
      scope: DEFAULT_EHR_SCOPE,
    });
    const ec = loadConfig({
      ...smart,
      EHR_PRIVATE_KEY: P384_KEY,
      EHR_KEY_ID: 'k1',
      EHR_SCOPE: 'system/*.rs',
    }).ehr;
    expect(ec.auth).toMatchObject({
      alg: 'ES384',
      keyId: 'k1',
      scope: 'system/*.rs',
      tokenUrl: undefined,
    });
  });

  it('read the key from a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ehr-key-'));
    const file = path.join(dir, 'portal.pem');
    fs.writeFileSync(file, P384_KEY);
    try {
      const { auth } = loadConfig({
        ...smart,
        EHR_PRIVATE_KEY: undefined,
        EHR_PRIVATE_KEY_FILE: file,
      }).ehr;
      expect(auth).toMatchObject({ alg: 'ES384' });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it.each([
    [
      'an unknown EHR_AUTH',
      { EHR_AUTH: 'basic' },
      'EHR_AUTH: "basic" is not one of none, bearer, smart-backend',
    ],
    [
      'bearer without a token',
      { EHR_FHIR_BASE_URL: 'http://ehr.local/fhir', EHR_AUTH: 'bearer' },
      'EHR_BEARER_TOKEN: required when EHR_AUTH=bearer',
    ],
    [
      'sign-in to the demo EHR',
      { EHR_AUTH: 'bearer', EHR_BEARER_TOKEN: 't0k' },
      'EHR_AUTH: bearer needs EHR_FHIR_BASE_URL (the demo EHR takes no sign-in)',
    ],
    [
      'a base URL that is not http(s)',
      { EHR_FHIR_BASE_URL: 'ftp://ehr' },
      'EHR_FHIR_BASE_URL: must start with http:// or https://',
    ],
    [
      'a base URL with a password',
      { EHR_FHIR_BASE_URL: 'https://u:p@ehr/fhir' },
      'EHR_FHIR_BASE_URL: must not carry a user name or password',
    ],
    [
      'a time limit of 0',
      { EHR_TIMEOUT_MS: '0' },
      'EHR_TIMEOUT_MS: "0" is not a whole number from 100 to 300000',
    ],
  ])('refuse %s', (_what, env: Env, line) => {
    expect(problems(env)).toEqual([line]);
  });

  it.each([
    [
      'no client id',
      { EHR_CLIENT_ID: undefined },
      'EHR_CLIENT_ID: required when EHR_AUTH=smart-backend',
    ],
    [
      'no key',
      { EHR_PRIVATE_KEY: undefined },
      'EHR_PRIVATE_KEY: required (or EHR_PRIVATE_KEY_FILE) when EHR_AUTH=smart-backend',
    ],
    [
      'a key that is not PEM',
      { EHR_PRIVATE_KEY: 'secret-but-not-a-key' },
      'EHR_PRIVATE_KEY: is not a PEM private key',
    ],
    [
      'a P-256 key',
      { EHR_PRIVATE_KEY: P256_KEY },
      'EHR_PRIVATE_KEY: must be an RSA key (RS384) or an EC P-384 key (ES384)',
    ],
    [
      'both a key and a key file',
      { EHR_PRIVATE_KEY_FILE: '/etc/portal.pem' },
      'EHR_PRIVATE_KEY: set either EHR_PRIVATE_KEY or EHR_PRIVATE_KEY_FILE, not both',
    ],
    [
      'an unreadable key file',
      { EHR_PRIVATE_KEY: undefined, EHR_PRIVATE_KEY_FILE: '/no/such/key.pem' },
      'EHR_PRIVATE_KEY_FILE: cannot read /no/such/key.pem',
    ],
  ])('refuse smart-backend with %s', (_what, change: Env, line) => {
    const lines = problems({ ...smart, ...change });
    expect(lines).toEqual([line]);
    expect(lines.join('\n')).not.toContain('secret-but-not-a-key');
  });

  it('refuse a small RSA key', () => {
    const small = pem(crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);
    expect(problems({ ...smart, EHR_PRIVATE_KEY: small })).toEqual([
      'EHR_PRIVATE_KEY: RSA key must be at least 2048 bits',
    ]);
  });

  it('in production require an https EHR, and an https token endpoint', () => {
    const production: Env = {
      NODE_ENV: 'production',
      COOKIE_SECRET: 'k7Qe9vXb2LrTz4Wm8NpA1sDf6GhJc3Uy',
      DATABASE_URL: 'postgres://portal:pw@db.internal:5432/portal',
      PUBLIC_URL: 'https://portal.example.org',
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      DATA_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
      SMTP_URL: 'smtp://mailer:pw@smtp.example.org:587',
    };
    expect(problems(production)).toEqual([
      'EHR_FHIR_BASE_URL: required in production (the demo EHR is for trials only)',
    ]);
    expect(problems({ ...production, EHR_FHIR_BASE_URL: 'http://ehr.example.org/fhir' })).toEqual([
      'EHR_FHIR_BASE_URL: must be an https:// address in production',
    ]);
    expect(
      problems({ ...production, ...smart, EHR_TOKEN_URL: 'http://ehr.example.org/token' }),
    ).toEqual(['EHR_TOKEN_URL: must be an https:// address in production']);
    expect(loadConfig({ ...production, ...smart }).ehr.baseUrl).toBe(
      'https://ehr.example.org/fhir/R4',
    );
  });
});
