// How the portal reaches the EHR, read from the environment with the rest of
// the configuration (src/config.ts): one line per problem, naming the
// variable, never echoing a secret.
import crypto from 'node:crypto';
import fs from 'node:fs';

export type EhrAuthKind = 'none' | 'bearer' | 'smart-backend';

/** SMART Backend Services: a signed JWT assertion buys a short-lived access token. */
export interface SmartBackendSettings {
  clientId: string;
  /** The client's private key as registered (its public half) with the EHR. */
  privateKey: crypto.KeyObject;
  /** RS384 for an RSA key, ES384 for a P-384 key: the two SMART requires servers to accept. */
  alg: 'RS384' | 'ES384';
  keyId: string | undefined;
  /** Unset = discovered from `<base>/.well-known/smart-configuration`. */
  tokenUrl: string | undefined;
  scope: string;
}

export type EhrAuth =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | ({ kind: 'smart-backend' } & SmartBackendSettings);

export interface EhrConfig {
  /** FHIR R4 base URL; unset = the built-in demo EHR (never in production). */
  baseUrl: string | undefined;
  auth: EhrAuth;
  /** Each request to the EHR (and its token endpoint) gives up after this long. */
  timeoutMs: number;
}

export const DEFAULT_EHR_SCOPE = 'system/*.read system/*.write';

export const EHR_VARIABLES = {
  EHR_FHIR_BASE_URL:
    "the EHR's FHIR R4 base URL (https:// in production, where it is required); unset = built-in demo EHR",
  EHR_AUTH: 'none | bearer | smart-backend: how the portal signs in to the EHR (default none)',
  EHR_BEARER_TOKEN: 'static access token sent as "Authorization: Bearer" (EHR_AUTH=bearer)',
  EHR_CLIENT_ID: 'client id registered with the EHR (EHR_AUTH=smart-backend)',
  EHR_PRIVATE_KEY: 'PEM private key (RSA or P-384) signing the client assertion (smart-backend)',
  EHR_PRIVATE_KEY_FILE: 'file holding that PEM key, instead of EHR_PRIVATE_KEY',
  EHR_KEY_ID: 'kid of the key in the JWKS registered with the EHR (optional)',
  EHR_TOKEN_URL:
    "the EHR's OAuth token endpoint; unset = discovered from <base>/.well-known/smart-configuration",
  EHR_SCOPE: `scopes asked for with smart-backend (default "${DEFAULT_EHR_SCOPE}")`,
  EHR_TIMEOUT_MS: 'each request to the EHR gives up after this many ms (default 10000)',
} as const;

type Env = Record<string, string | undefined>;
type EhrVariable = keyof typeof EHR_VARIABLES;

/** Reads the EHR settings; pushes one line per problem onto `problems`. */
export function readEhrConfig(env: Env, production: boolean, problems: string[]): EhrConfig {
  const value = (name: EhrVariable): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const check = <T>(name: EhrVariable, parse: (v: string) => T, fallback: T): T => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    try {
      return parse(raw);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      return fallback;
    }
  };

  const baseUrl = check('EHR_FHIR_BASE_URL', webUrl, undefined);
  if (production && !baseUrl)
    problems.push('EHR_FHIR_BASE_URL: required in production (the demo EHR is for trials only)');
  if (production && baseUrl && !baseUrl.startsWith('https://'))
    problems.push('EHR_FHIR_BASE_URL: must be an https:// address in production');
  const kind = check('EHR_AUTH', authKind, 'none' as EhrAuthKind);
  if (kind !== 'none' && !baseUrl && !production)
    problems.push(`EHR_AUTH: ${kind} needs EHR_FHIR_BASE_URL (the demo EHR takes no sign-in)`);
  const config: EhrConfig = {
    baseUrl,
    auth: { kind: 'none' },
    timeoutMs: check('EHR_TIMEOUT_MS', wholeNumber(100, 300_000), 10_000),
  };
  if (kind === 'bearer') {
    const token = value('EHR_BEARER_TOKEN');
    if (!token) problems.push('EHR_BEARER_TOKEN: required when EHR_AUTH=bearer');
    config.auth = { kind, token: token ?? '' };
  }
  if (kind === 'smart-backend') {
    const smart = smartSettings(value, check, production, problems);
    if (smart) config.auth = { kind, ...smart };
  }
  return config;
}

function smartSettings(
  value: (name: EhrVariable) => string | undefined,
  check: <T>(name: EhrVariable, parse: (v: string) => T, fallback: T) => T,
  production: boolean,
  problems: string[],
): SmartBackendSettings | undefined {
  const clientId = value('EHR_CLIENT_ID');
  if (!clientId) problems.push('EHR_CLIENT_ID: required when EHR_AUTH=smart-backend');
  const key = privateKey(value, problems);
  const tokenUrl = check('EHR_TOKEN_URL', webUrl, undefined);
  if (production && tokenUrl && !tokenUrl.startsWith('https://'))
    problems.push('EHR_TOKEN_URL: must be an https:// address in production');
  if (!clientId || !key) return undefined;
  return {
    clientId,
    privateKey: key.key,
    alg: key.alg,
    keyId: value('EHR_KEY_ID'),
    tokenUrl,
    scope: value('EHR_SCOPE') ?? DEFAULT_EHR_SCOPE,
  };
}

function privateKey(
  value: (name: EhrVariable) => string | undefined,
  problems: string[],
): { key: crypto.KeyObject; alg: SmartBackendSettings['alg'] } | undefined {
  const inline = value('EHR_PRIVATE_KEY');
  const file = value('EHR_PRIVATE_KEY_FILE');
  if (inline && file) {
    problems.push('EHR_PRIVATE_KEY: set either EHR_PRIVATE_KEY or EHR_PRIVATE_KEY_FILE, not both');
    return undefined;
  }
  const name: EhrVariable = file ? 'EHR_PRIVATE_KEY_FILE' : 'EHR_PRIVATE_KEY';
  let pem = inline?.replaceAll('\\n', '\n');
  if (file) {
    try {
      pem = fs.readFileSync(file, 'utf8');
    } catch {
      problems.push(`EHR_PRIVATE_KEY_FILE: cannot read ${file}`);
      return undefined;
    }
  }
  if (!pem) {
    problems.push(
      'EHR_PRIVATE_KEY: required (or EHR_PRIVATE_KEY_FILE) when EHR_AUTH=smart-backend',
    );
    return undefined;
  }
  try {
    return signingKey(pem);
  } catch (err) {
    problems.push(`${name}: ${(err as Error).message}`);
    return undefined;
  }
}

/** Parses a PEM private key and picks its SMART algorithm; never echoes the key. */
export function signingKey(pem: string): {
  key: crypto.KeyObject;
  alg: SmartBackendSettings['alg'];
} {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(pem);
  } catch {
    throw new Error('is not a PEM private key');
  }
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    if ((details?.modulusLength ?? 0) < 2048) throw new Error('RSA key must be at least 2048 bits');
    return { key, alg: 'RS384' };
  }
  if (key.asymmetricKeyType === 'ec' && details?.namedCurve === 'secp384r1')
    return { key, alg: 'ES384' };
  throw new Error('must be an RSA key (RS384) or an EC P-384 key (ES384)');
}

function authKind(v: string): EhrAuthKind {
  if (v === 'none' || v === 'bearer' || v === 'smart-backend') return v;
  throw new Error(`"${v}" is not one of none, bearer, smart-backend`);
}

function wholeNumber(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max)
      throw new Error(`"${v}" is not a whole number from ${min} to ${max}`);
    return n;
  };
}

function webUrl(v: string): string {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new Error('is not an http(s):// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error('must start with http:// or https://');
  if (url.username || url.password) throw new Error('must not carry a user name or password');
  if (url.search || url.hash) throw new Error('must not carry a query or fragment');
  return v.replace(/\/+$/, '');
}
