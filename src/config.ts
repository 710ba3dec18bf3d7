// Configuration comes only from the environment, is checked once at start, and
// every problem is reported as one line naming the variable.
import { hkdfSync } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import { EHR_VARIABLES, type EhrConfig, readEhrConfig } from './ehr/config.ts';
import { ROLES, type Role } from './modules/accounts/tables.ts';
import { UserError } from './platform/errors.ts';

export type Environment = 'development' | 'production' | 'test';

export interface Config {
  env: Environment;
  host: string;
  port: number;
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: string;
  cookieSecret: string;
  demoData: boolean;
  /** Whose X-Forwarded-For to believe: nobody, the nearest n hops, or these addresses. */
  trustProxy: TrustProxy;
  metricsToken: string | undefined;
  shutdownTimeoutMs: number;
  encryptionKey: Buffer;
  /** Wraps the data keys of messages (src/platform/crypto/envelope.ts). */
  dataMasterKey: Buffer;
  /** Older master keys, still accepted for unwrapping during a rotation. */
  dataMasterKeysPrevious: Buffer[];
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Idle timeout in minutes: `default` and per-role overrides. */
  idleMinutes: { default: number; byRole: Partial<Record<Role, number>> };
  sessionMaxHours: number;
  /** How long an instance may answer from a session it keeps in memory; 0: read it every time. */
  sessionCacheSeconds: number;
  /** How long an instance may answer a slot search from memory; 0: search the database every time. */
  slotSearchCacheSeconds: number;
  rateLimitPerMinute: number;
  /** A patient's clinical cache older than this is refreshed when they sign in. */
  ehrSyncMaxAgeMinutes: number;
  /** Tries before a change for the EHR is parked as dead in the outbox. */
  ehrOutboxMaxAttempts: number;
  /** Waitlisted patients offered a freed time at once. */
  waitlistOfferBatch: number;
  /** How long a waitlist offer stays open. */
  waitlistOfferMinutes: number;
  /** Hours before an appointment that reminders go out, largest first. */
  appointmentReminderHours: number[];
  /** How the portal reaches the EHR (src/ehr/config.ts). */
  ehr: EhrConfig;
}

type Env = Record<string, string | undefined>;

/** false: no proxy; a number: that many proxies in front; a list: the proxies' addresses/CIDRs. */
export type TrustProxy = false | number | string[];

/** Used only outside production, where the real secrets are required. */
export const DEV_COOKIE_SECRET = 'development-only-cookie-secret-change-me';
const DEV_ENCRYPTION_KEY = Buffer.alloc(32, 'development-only-encryption-key!');

/** Each variable with its default and meaning; `.env.example` mirrors this list (a test checks). */
export const VARIABLES = {
  NODE_ENV: 'development | production | test (default development)',
  HOST: 'interface to listen on (default localhost; 0.0.0.0 behind a load balancer)',
  PORT: 'HTTP port (default 3000)',
  PUBLIC_URL: 'address patients use, for links in e-mails (default http://localhost:PORT)',
  DATABASE_URL: 'postgres:// URL of a PostgreSQL server; unset = embedded PGlite in DATA_DIR',
  DATA_DIR: 'folder for the embedded database and local files (default ./data)',
  LOG_LEVEL: 'fatal | error | warn | info | debug | trace | silent (default info)',
  COOKIE_SECRET: 'secret of at least 32 characters signing cookies (required in production)',
  DEMO_DATA:
    'true | false: seed demo clinics on an empty database (default true, false in production)',
  TRUST_PROXY:
    'false, the number of proxies in front (1 = one load balancer), or their addresses/CIDRs, comma-separated (default false)',
  METRICS_TOKEN: 'if set, /metrics requires "Authorization: Bearer <token>"',
  SHUTDOWN_TIMEOUT_MS: 'how long SIGTERM waits for in-flight work, in ms (default 10000)',
  ENCRYPTION_KEY: '32 random bytes, base64, encrypting secrets at rest (required in production)',
  DATA_MASTER_KEY:
    '32 random bytes, base64, wrapping the keys of messages and attachments (required in production)',
  DATA_MASTER_KEY_PREVIOUS:
    'master keys being rotated out, comma-separated base64: still accepted for reading (default none)',
  SMTP_URL: 'smtp(s)://user:password@host:port for outgoing mail; unset = development mailbox',
  MAIL_FROM: 'sender of portal e-mails (default "Patient portal <no-reply@localhost>")',
  SESSION_IDLE_MINUTES:
    'idle sign-out in minutes, optionally per role: "15" or "15,patient=20" (default 15)',
  SESSION_MAX_HOURS: 'absolute session lifetime in hours (default 12)',
  SESSION_CACHE_SECONDS:
    'seconds an instance may answer from a session kept in memory, 0 to read it on every request (default 30)',
  SLOT_SEARCH_CACHE_SECONDS:
    'seconds an instance may answer a slot search from memory, 0 to search the database every time (default 120)',
  RATE_LIMIT_PER_MINUTE:
    'API requests per minute per IP address and instance (default 3000; a clinic shares one address)',
  EHR_SYNC_MAX_AGE_MINUTES:
    "a patient's records are refreshed from the EHR at sign-in when older than this (default 15)",
  EHR_OUTBOX_MAX_ATTEMPTS:
    'tries before a change for the EHR is parked as dead for staff to retry or discard (default 10)',
  WAITLIST_OFFER_BATCH:
    'how many waitlisted patients are offered a freed time at once; the first to accept gets it (default 3)',
  WAITLIST_OFFER_MINUTES: 'how long a waitlist offer stays open, in minutes (default 120)',
  APPOINTMENT_REMINDER_HOURS:
    'hours before an appointment that e-mail reminders go out, comma-separated, each 1 to 720 (default "72,24")',
  ...EHR_VARIABLES,
} as const;

const ENVIRONMENTS: Environment[] = ['development', 'production', 'test'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const check = <T>(name: keyof typeof VARIABLES, parse: (v: string) => T, fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    try {
      return parse(raw.trim());
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      return fallback;
    }
  };

  const nodeEnv = check('NODE_ENV', oneOf(ENVIRONMENTS), 'development' as Environment);
  const production = nodeEnv === 'production';
  const port = check('PORT', integer(0, 65535), 3000);
  const encryptionKey = check('ENCRYPTION_KEY', key32, DEV_ENCRYPTION_KEY);
  const config: Config = {
    env: nodeEnv,
    host: check('HOST', (v) => v, 'localhost'),
    port,
    publicUrl: check('PUBLIC_URL', httpUrl, `http://localhost:${port}`),
    databaseUrl: check('DATABASE_URL', postgresUrl, undefined),
    dataDir: path.resolve(check('DATA_DIR', (v) => v, './data')),
    logLevel: check('LOG_LEVEL', oneOf(LOG_LEVELS), 'info'),
    cookieSecret: check('COOKIE_SECRET', minLength(32), DEV_COOKIE_SECRET),
    demoData: check('DEMO_DATA', boolean, !production),
    trustProxy: check('TRUST_PROXY', trustProxy, false),
    metricsToken: check('METRICS_TOKEN', minLength(16), undefined),
    shutdownTimeoutMs: check('SHUTDOWN_TIMEOUT_MS', integer(0, 600_000), 10_000),
    encryptionKey,
    dataMasterKey: check('DATA_MASTER_KEY', key32, undefined) ?? devMasterKey(encryptionKey),
    dataMasterKeysPrevious: check('DATA_MASTER_KEY_PREVIOUS', keys32, []),
    smtpUrl: check('SMTP_URL', smtpUrl, undefined),
    mailFrom: check('MAIL_FROM', (v) => v, 'Patient portal <no-reply@localhost>'),
    idleMinutes: check('SESSION_IDLE_MINUTES', idleMinutes, { default: 15, byRole: {} }),
    sessionMaxHours: check('SESSION_MAX_HOURS', integer(1, 24), 12),
    sessionCacheSeconds: check('SESSION_CACHE_SECONDS', integer(0, 60), 30),
    slotSearchCacheSeconds: check('SLOT_SEARCH_CACHE_SECONDS', integer(0, 600), 120),
    rateLimitPerMinute: check('RATE_LIMIT_PER_MINUTE', integer(1, 1_000_000), 3000),
    ehrSyncMaxAgeMinutes: check('EHR_SYNC_MAX_AGE_MINUTES', integer(1, 1440), 15),
    ehrOutboxMaxAttempts: check('EHR_OUTBOX_MAX_ATTEMPTS', integer(1, 100), 10),
    waitlistOfferBatch: check('WAITLIST_OFFER_BATCH', integer(1, 50), 3),
    waitlistOfferMinutes: check('WAITLIST_OFFER_MINUTES', integer(5, 10_080), 120),
    appointmentReminderHours: check('APPOINTMENT_REMINDER_HOURS', reminderHours, [72, 24]),
    ehr: readEhrConfig(env, production, problems),
  };
  // ENCRYPTION_KEY also keys TOTP seeds and the audit chain: one leak must not open all.
  if (config.dataMasterKey.equals(config.encryptionKey))
    problems.push('DATA_MASTER_KEY: must differ from ENCRYPTION_KEY (openssl rand -base64 32)');
  if (production) problems.push(...productionProblems(config));
  if (problems.length > 0) throw new UserError(problems.join('\n'));
  return config;
}

/** Production refuses the conveniences that are safe only on a laptop. */
function productionProblems(c: Config): string[] {
  const out: string[] = [];
  if (c.cookieSecret === DEV_COOKIE_SECRET)
    out.push('COOKIE_SECRET: required in production (at least 32 random characters)');
  if (c.encryptionKey.equals(DEV_ENCRYPTION_KEY))
    out.push('ENCRYPTION_KEY: required in production (openssl rand -base64 32)');
  if (c.dataMasterKey.equals(devMasterKey(c.encryptionKey)))
    out.push('DATA_MASTER_KEY: required in production (openssl rand -base64 32)');
  if (!c.smtpUrl)
    out.push('SMTP_URL: required in production (without it mail would wait in the database)');
  if (!c.databaseUrl)
    out.push('DATABASE_URL: required in production (the embedded database is for trials only)');
  if (c.demoData) out.push('DEMO_DATA: demo accounts and data must be off in production');
  if (!c.publicUrl.startsWith('https://'))
    out.push('PUBLIC_URL: must be an https:// address in production');
  return out;
}

function oneOf<T extends string>(allowed: readonly T[]) {
  return (v: string): T => {
    if (!allowed.includes(v as T)) throw new Error(`"${v}" is not one of ${allowed.join(', ')}`);
    return v as T;
  };
}

function integer(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max)
      throw new Error(`"${v}" is not a whole number from ${min} to ${max}`);
    return n;
  };
}

function boolean(v: string): boolean {
  if (['true', '1', 'yes'].includes(v.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(v.toLowerCase())) return false;
  throw new Error(`"${v}" is not true or false`);
}

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * "true" would believe whatever a client writes in X-Forwarded-For (Fastify
 * takes the left-most entry), so it is refused: the operator says how many
 * proxies there are, or which addresses they have.
 */
function trustProxy(v: string): TrustProxy {
  const lower = v.toLowerCase();
  if (['false', '0', 'no'].includes(lower)) return false;
  if (['true', 'yes'].includes(lower))
    throw new Error(
      `"${v}" would let any client forge its address; give the number of proxies in front (e.g. 1) or their addresses (e.g. 10.0.0.0/8,127.0.0.1)`,
    );
  if (/^\d+$/.test(v)) return integer(1, 10)(v);
  const entries = v.split(',').map((e) => e.trim());
  for (const entry of entries)
    if (!isProxyAddress(entry))
      throw new Error(`"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8)`);
  return entries;
}

function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true;
  const [address = '', prefix, ...extra] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || extra.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * Fastify's trustProxy for the setting. A hop count becomes "the nearest n
 * hops" (Fastify itself would trust nobody for a bare number).
 */
export function fastifyTrustProxy(setting: TrustProxy) {
  if (typeof setting === 'number') return (_address: string, hop: number) => hop < setting;
  return setting;
}

function minLength(n: number) {
  return (v: string): string => {
    if (v.length < n) throw new Error(`must be at least ${n} characters`);
    return v;
  };
}

function key32(v: string): Buffer {
  const key = Buffer.from(v, 'base64');
  if (key.length !== 32) throw new Error('must be 32 bytes in base64 (openssl rand -base64 32)');
  return key;
}

/** Comma-separated keys, each 32 bytes in base64. */
function keys32(v: string): Buffer[] {
  return v.split(',').map((part, i) => {
    try {
      return key32(part.trim());
    } catch (err) {
      throw new Error(`key ${i + 1}: ${(err as Error).message}`);
    }
  });
}

/**
 * Outside production the master key is derived from ENCRYPTION_KEY (HKDF), so
 * a laptop needs no extra setting; production requires a key of its own.
 */
const devMasterKey = (encryptionKey: Buffer): Buffer =>
  Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'data-master-key', 32));

function smtpUrl(v: string): string {
  const url = parseUrl(v, 'an smtp:// or smtps:// URL');
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new Error('must start with smtp:// or smtps://');
  return v;
}

/** "15" or "15,patient=20,nurse=10": minutes between 1 and 120. */
function idleMinutes(v: string): Config['idleMinutes'] {
  const minutes = integer(1, 120);
  const [first = '', ...rest] = v.split(',').map((p) => p.trim());
  const byRole: Config['idleMinutes']['byRole'] = {};
  for (const part of rest) {
    const [role, value = ''] = part.split('=');
    if (!ROLES.includes(role as Role)) throw new Error(`"${role}" is not a role`);
    byRole[role as Role] = minutes(value);
  }
  return { default: minutes(first), byRole };
}

/** "72,24": distinct whole hours from 1 to 720, kept largest first. */
function reminderHours(v: string): number[] {
  const hours = v.split(',').map((p) => integer(1, 720)(p.trim()));
  if (new Set(hours).size !== hours.length) throw new Error(`"${v}" names an hour twice`);
  return hours.sort((a, b) => b - a);
}

function httpUrl(v: string): string {
  const url = parseUrl(v, 'an http(s):// URL');
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error('must start with http:// or https://');
  return v.replace(/\/+$/, '');
}

function postgresUrl(v: string): string {
  // Never echo the value: it may carry a password.
  const url = parseUrl(v, 'a postgres://user:password@host:port/database URL');
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new Error('must start with postgres:// or postgresql://');
  if (!url.hostname) throw new Error('has no host name');
  if (url.pathname.length <= 1) throw new Error('names no database (…/database at the end)');
  return v;
}

function parseUrl(v: string, expected: string): URL {
  try {
    return new URL(v);
  } catch {
    throw new Error(`is not ${expected}`);
  }
}
