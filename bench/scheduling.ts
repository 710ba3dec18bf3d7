// Booking throughput and slot-search latency of the portal over HTTP, on
// PostgreSQL, beside the database's own ceiling for the same booking
// transaction (pgbench) measured in the same run. A busy clinic: 60 providers
// × 90 days × 16 half-hour slots (86,400 slots, as ../shared/bench/reference),
// ~5,000 signed-in patients. The portal runs in a worker thread (its own event
// loop, as its own process would be); autocannon drives it from this thread.
// Prints the figures and writes a section to bench/RESULTS.md.
//
//   npm run bench:scheduling
//   BENCH_DATABASE_URL=postgres://…/bench_scheduling npm run bench:scheduling
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { OUTBOX_QUEUE } from '../src/ehr/outbox/outbox.ts';
import { hashPassword } from '../src/modules/accounts/passwords.ts';
import { idleMinutesFor, sessionCookieName } from '../src/platform/auth/sessions.ts';
import { hashToken, newToken } from '../src/platform/crypto/crypto.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { createLogger } from '../src/platform/http/logging.ts';
import { startJobs } from '../src/platform/jobs/jobs.ts';

const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/bench_scheduling';
const RESULTS = path.join(import.meta.dirname, 'RESULTS.md');
const PROVIDERS = 60;
const DAYS = 90;
const SLOTS_PER_DAY = 16;
const PATIENTS = 5_000;
const HISTORY_DAYS = 30;
const CONNECTIONS = 32;
const SECONDS = 15;
/** Bookings a second while searches are measured again: each makes every instance forget that provider's answers. */
const MIXED_BOOKINGS = 20;

/** What the portal is run with: production settings, no EHR, quiet logs, no rate limit in the way. */
function benchConfig(): Config {
  return loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL,
    PUBLIC_URL: 'https://portal.bench.test',
    COOKIE_SECRET: 'bench-cookie-secret-0123456789-abcdefghij',
    ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    DATA_MASTER_KEY: Buffer.alloc(32, 8).toString('base64'),
    SMTP_URL: 'smtp://127.0.0.1:2525',
    // Required in production; never called, as the app is given no gateway.
    EHR_FHIR_BASE_URL: 'https://ehr.bench.test/fhir',
    DEMO_DATA: 'false',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
}

// ---------------------------------------------------------------- the portal

/** The worker: the portal as it runs in production (jobs included; no outbox worker, as there is no EHR). */
async function servePortal() {
  const config = benchConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase({ databaseUrl: DATABASE_URL, dataDir: '' });
  const jobs = await startJobs(database, logger, { work: false });
  await jobs.handle(OUTBOX_QUEUE, async () => {});
  const app = await buildApp({ config, database, logger, jobs });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  parentPort?.postMessage({ port: typeof address === 'object' ? address?.port : 0 });
  parentPort?.on('message', async (msg: string) => {
    if (msg === 'cpu') parentPort?.postMessage({ cpu: threadCpuMs() });
    if (msg !== 'close') return;
    // Requests autocannon stopped waiting for are still running: let them finish first.
    await new Promise((r) => setTimeout(r, 2000));
    await app.close();
    await jobs.stop(1000);
    await database.close();
    parentPort?.close();
  });
}

// ---------------------------------------------------------------- CPU time

/** This thread's CPU time so far (the portal's, in the worker). */
function threadCpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

/** CPU time so far of each PostgreSQL process on this machine, by pid, from /proc (none without it). */
function databaseCpu(): Map<string, number> {
  const tickMs = 10; // USER_HZ is 100 on Linux
  const byPid = new Map<string, number>();
  for (const pid of fs.existsSync('/proc') ? fs.readdirSync('/proc') : []) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byPid.set(pid, (Number(fields[11]) + Number(fields[12])) * tickMs);
    } catch {
      // The process ended while we looked.
    }
  }
  return byPid;
}

/**
 * PostgreSQL's CPU from now until the returned function is called. Sampled
 * every 100 ms, so backends that come and go (pgbench's) are counted too.
 */
function watchDatabaseCpu(): () => number {
  const first = databaseCpu();
  const last = new Map(first);
  const sample = () => {
    for (const [pid, ms] of databaseCpu()) last.set(pid, ms);
  };
  const timer = setInterval(sample, 100);
  return () => {
    clearInterval(timer);
    sample();
    let ms = 0;
    for (const [pid, now] of last) ms += now - (first.get(pid) ?? 0);
    return ms;
  };
}

/** CPU per request: the portal's thread (asked of the worker) and PostgreSQL's, around `run`. */
async function cpuPerRequest<T>(
  worker: Worker | null,
  run: () => Promise<T>,
  count: (result: T) => number,
): Promise<{ result: T; portalMs: number | null; databaseMs: number }> {
  const portal = async () =>
    worker
      ? new Promise<number>((resolve) => {
          worker.once('message', (m: { cpu: number }) => resolve(m.cpu));
          worker.postMessage('cpu');
        })
      : 0;
  const p0 = await portal();
  const database = watchDatabaseCpu();
  const result = await run();
  const databaseMs = database();
  const p1 = await portal();
  const n = Math.max(1, count(result));
  const round = (ms: number) => Math.round((ms / n) * 100) / 100;
  return { result, portalMs: worker ? round(p1 - p0) : null, databaseMs: round(databaseMs) };
}

// ---------------------------------------------------------------- the data

/** Patient and user ids the pgbench script can compute from a number. */
const patientUuid = (n: string) =>
  `('00000000-0000-4000-8000-' || lpad(${n}::text, 12, '0'))::uuid`;
const userUuid = (n: string) => `('00000000-0000-4000-9000-' || lpad(${n}::text, 12, '0'))::uuid`;

interface Seeded {
  clinicId: string;
  visitTypeId: string;
  providerIds: string[];
  slotIds: { min: number; max: number };
  firstDay: string;
  tokens: string[];
}

async function recreateDatabase() {
  const url = new URL(DATABASE_URL);
  const name = url.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Unusable database name "${name}"`);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const database = await openDatabase({ databaseUrl: DATABASE_URL, dataDir: '' });
  await migrate(database);
  await database.close();
}

/** The clinic, its providers, visit type, slots, and patients with signed-in sessions, in bulk. */
async function seed(config: Config): Promise<Seeded> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    await c.query('begin');
    const one = async (text: string, values: unknown[] = []) =>
      (await c.query(text, values)).rows[0];
    const { id: clinicId } = await one(
      `insert into clinics (slug, name, time_zone, phone, address_line1, city, state, postal_code)
       values ('bench-scheduling', 'Bench clinic', 'America/Chicago', '+1-555-0100',
         '1 Main Street', 'Springfield', 'IL', '62701') returning id`,
    );
    const providers = await c.query(
      `insert into providers (clinic_id, ehr_schedule_id, ehr_practitioner_id, display_name)
       select $1, 'bench-schedule-' || p, 'bench-practitioner-' || p, 'Dr. Bench ' || p
       from generate_series(1, $2::int) p returning id`,
      [clinicId, PROVIDERS],
    );
    const { id: visitTypeId } = await one(
      `insert into visit_types (clinic_id, code, name_en, name_es, min_lead_minutes,
         max_days_ahead, change_cutoff_hours, max_future_bookings)
       values ($1, 'bench-visit', 'Office visit', 'Consulta', 0, 120, 24, 50) returning id`,
      [clinicId],
    );
    await c.query(
      `insert into visit_type_providers (visit_type_id, provider_id)
       select $1, id from providers where clinic_id = $2`,
      [visitTypeId, clinicId],
    );
    // From tomorrow 14:00 UTC (8:00 in Chicago), 16 half hours a day for 90 days.
    const { first } = await one(
      `select date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' + interval '1 day 14 hours' as first`,
    );
    await c.query(
      `insert into slots (clinic_id, provider_id, ehr_slot_id, starts_at, ends_at)
       select $1, pr.id, pr.ehr_schedule_id || '-' || to_char(d, 'YYYYMMDD') || '-' || s,
         d + make_interval(mins => 30 * s), d + make_interval(mins => 30 * s + 30)
       from providers pr,
         generate_series($2::timestamptz, $2::timestamptz + make_interval(days => $3::int - 1),
           interval '1 day') d,
         generate_series(0, $4::int - 1) s
       where pr.clinic_id = $1
       order by d, s, pr.id`,
      [clinicId, first, DAYS, SLOTS_PER_DAY],
    );
    const slotIds = await one('select min(id)::int as min, max(id)::int as max from slots');
    await c.query(
      `insert into patients (id, given_name, family_name, birth_date)
       select ${patientUuid('n')}, 'Bench', 'Patient ' || n, '1980-01-01'
       from generate_series(1, $1::int) n`,
      [PATIENTS],
    );
    await c.query(
      `insert into patient_clinics (patient_id, clinic_id, mrn)
       select ${patientUuid('n')}, $2, 'BENCH-' || n from generate_series(1, $1::int) n`,
      [PATIENTS, clinicId],
    );
    // One real argon2 hash for all: the bench never signs in with a password.
    await c.query(
      `insert into users (id, email, display_name, password_hash, patient_id)
       select ${userUuid('n')}, 'bench-' || n || '@example.org', 'Bench patient ' || n, $2,
         ${patientUuid('n')}
       from generate_series(1, $1::int) n`,
      [PATIENTS, await hashPassword('bench password that nobody types')],
    );
    await c.query(
      `insert into user_roles (user_id, role, clinic_id)
       select ${userUuid('n')}, 'patient', null from generate_series(1, $1::int) n`,
      [PATIENTS],
    );
    // Sessions as createSession makes them: the browser holds the token, the table its hash.
    const tokens = Array.from({ length: PATIENTS }, () => newToken());
    await c.query(
      `insert into sessions (token_hash, user_id, expires_at, idle_minutes, mfa_verified_at,
         reauthenticated_at, ip, user_agent)
       select h, ${userUuid('i')}, now() + make_interval(hours => $2::int), $3, now(), now(),
         '127.0.0.1', 'autocannon'
       from unnest($1::text[]) with ordinality as t(h, i)`,
      [tokens.map(hashToken), config.sessionMaxHours, idleMinutesFor(config, ['patient'])],
    );
    await history(c, clinicId, visitTypeId, first);
    await c.query('commit');
    const firstDay = await one(
      `select to_char($1::timestamptz at time zone 'America/Chicago', 'YYYY-MM-DD') as day`,
      [first],
    );
    return {
      clinicId,
      visitTypeId,
      providerIds: providers.rows.map((r) => r.id),
      slotIds,
      firstDay: firstDay.day,
      tokens,
    };
  } finally {
    await c.end();
  }
}

/**
 * A busy clinic has a past: the last HISTORY_DAYS days of every provider's half
 * hours, each attended by a patient (about six visits each), so the planner sees a
 * real appointments table and the rules see established patients.
 */
async function history(c: pg.Client, clinicId: string, visitTypeId: string, first: Date) {
  await c.query(
    `insert into slots (clinic_id, provider_id, ehr_slot_id, starts_at, ends_at, free)
     select $1, pr.id, pr.ehr_schedule_id || '-' || to_char(d, 'YYYYMMDD') || '-' || s,
       d + make_interval(mins => 30 * s), d + make_interval(mins => 30 * s + 30), false
     from providers pr,
       generate_series($2::timestamptz - make_interval(days => $3::int + 1),
         $2::timestamptz - interval '2 days', interval '1 day') d,
       generate_series(0, $4::int - 1) s
     where pr.clinic_id = $1`,
    [clinicId, first, HISTORY_DAYS, SLOTS_PER_DAY],
  );
  // Consecutive patients at each moment, so nobody is in two places at once.
  await c.query(
    `insert into appointments (clinic_id, patient_id, provider_id, visit_type_id, slot_id,
       starts_at, ends_at, mode, status, booked_by)
     select s.clinic_id, ${patientUuid('s.n')}, s.provider_id, $2, s.id, s.starts_at, s.ends_at,
       'in_person', 'completed', ${userUuid('s.n')}
     from (select *, (row_number() over (order by starts_at, id) - 1) % $3 + 1 as n
       from slots where clinic_id = $1 and starts_at < now()) s`,
    [clinicId, visitTypeId, PATIENTS],
  );
}

/** Runs the statements one by one (VACUUM cannot share a transaction); returns the last one's rows. */
async function sql(...statements: string[]) {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    let rows: Record<string, string>[] = [];
    for (const text of statements) rows = (await c.query(text)).rows;
    return rows;
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------- the ceiling

/**
 * book.pgb of the reference, on our tables: the appointment (guarded by the
 * partial unique index and the no-overlap constraint), its audit row and its
 * outbox row, in one transaction.
 */
function pgbenchScript(s: Seeded): string {
  return [
    `\\set slot random(${s.slotIds.min}, ${s.slotIds.max})`,
    `\\set patient random(1, ${PATIENTS})`,
    'BEGIN;',
    `INSERT INTO appointments (clinic_id, patient_id, provider_id, visit_type_id, slot_id, starts_at, ends_at, mode, status, booked_by) SELECT s.clinic_id, ${patientUuid(':patient')}, s.provider_id, '${s.visitTypeId}', s.id, s.starts_at, s.ends_at, 'in_person', 'confirming', ${userUuid(':patient')} FROM slots s WHERE s.id = :slot ON CONFLICT DO NOTHING RETURNING id;`,
    `INSERT INTO audit_events (actor_user_id, actor_role, action, resource_type, resource_id, patient_id, clinic_id, outcome, ip, user_agent, request_id, details) VALUES (${userUuid(':patient')}, 'patient', 'create', 'Appointment', :slot, ${patientUuid(':patient')}, '${s.clinicId}', 'success', '127.0.0.1', 'pgbench', 'r', '{"status": "confirming"}');`,
    `INSERT INTO ehr_outbox (kind, clinic_id, patient_id, idempotency_key, payload) VALUES ('appointment.book', '${s.clinicId}', ${patientUuid(':patient')}, gen_random_uuid()::text, jsonb_build_object('slot', :slot, 'patient', :patient));`,
    'COMMIT;',
    '',
  ].join('\n');
}

interface Ceiling {
  tps: number;
  latencyMs: number;
  transactions: number;
  /** PostgreSQL's CPU per transaction. */
  databaseMs?: number;
}

async function pgbenchCeiling(s: Seeded): Promise<Ceiling> {
  const file = path.join(os.tmpdir(), `bench-scheduling-${process.pid}.pgb`);
  fs.writeFileSync(file, pgbenchScript(s));
  try {
    const { stdout } = await promisify(execFile)('pgbench', [
      '-n',
      '-c',
      String(CONNECTIONS),
      '-j',
      '2',
      '-T',
      String(SECONDS),
      '-f',
      file,
      DATABASE_URL,
    ]);
    const tps = Number(/^tps = ([\d.]+)/m.exec(stdout)?.[1]);
    const latencyMs = Number(/^latency average = ([\d.]+) ms/m.exec(stdout)?.[1]);
    const transactions = Number(/actually processed: (\d+)/.exec(stdout)?.[1]);
    if (!tps) throw new Error(`pgbench said:\n${stdout}`);
    return { tps, latencyMs, transactions };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

// ---------------------------------------------------------------- the load

/** autocannon ships no type declarations; this is the part of it used here. */
interface LoadResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  statusCodeStats: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
}
type RequestSetup = (req: Record<string, unknown>) => Record<string, unknown>;
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  connections: number;
  overallRate?: number;
  duration: number;
  requests: { method: string; path: string; setupRequest: RequestSetup }[];
}) => Promise<LoadResult>;

interface Browser {
  cookie: string;
  csrfToken: string;
}

/** Each patient's browser fetches its CSRF token, as the web app does on load. */
async function browsers(base: string, tokens: string[], config: Config): Promise<Browser[]> {
  const out: Browser[] = [];
  for (let i = 0; i < tokens.length; i += CONNECTIONS)
    out.push(
      ...(await Promise.all(
        tokens.slice(i, i + CONNECTIONS).map(async (token) => {
          const session = `${sessionCookieName(config)}=${token}`;
          const res = await fetch(`${base}/api/session`, { headers: { cookie: session } });
          const body = (await res.json()) as { csrfToken: string; signedIn: boolean };
          if (!body.signedIn) throw new Error('A bench session is not signed in');
          const csrf = res.headers.getSetCookie().map((c) => c.split(';')[0]);
          return { cookie: [session, ...csrf].join('; '), csrfToken: body.csrfToken };
        }),
      )),
    );
  return out;
}

const any = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)] as T;

interface Figures {
  reqPerSec: number;
  p50: number;
  p99: number;
  codes: Record<string, number>;
  errors: number;
  /** CPU per request: the portal's thread and PostgreSQL's. */
  cpu?: { portalMs: number | null; databaseMs: number };
  /** Share of requests whose session the portal had in memory. */
  sessionsInMemory?: string;
  /** Share of searches the portal answered from memory. */
  searchesFromMemory?: string;
}

const answered = (f: Figures) => Object.values(f.codes).reduce((a, b) => a + b, 0);

/** A load's figures with the CPU each request took and where its sessions came from. */
async function measured(
  worker: Worker,
  base: string,
  run: () => Promise<LoadResult>,
): Promise<Figures> {
  const before = await fromMemory(base);
  const { result, ...cpu } = await cpuPerRequest(
    worker,
    async () => figures(await run()),
    answered,
  );
  const after = await fromMemory(base);
  const share = (what: keyof typeof after) => {
    const memory = after[what].memory - before[what].memory;
    const all = memory + after[what].database - before[what].database;
    return all ? `${Math.round((memory / all) * 100)}%` : undefined;
  };
  return {
    ...result,
    cpu,
    sessionsInMemory: share('sessions'),
    searchesFromMemory: share('searches'),
  };
}

/** How many sessions and searches the portal has found in memory and in the database, from /metrics. */
async function fromMemory(base: string) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const count = (metric: string, label: string) => ({
    memory: counter(text, `${metric}{${label}="memory"}`),
    database: counter(text, `${metric}{${label}="database"}`),
  });
  return {
    sessions: count('session_lookups_total', 'found_in'),
    searches: count('slot_searches_total', 'answered_from'),
  };
}

const counter = (metrics: string, name: string) =>
  Number(
    metrics
      .split('\n')
      .find((line) => line.startsWith(`${name} `))
      ?.split(' ')[1] ?? 0,
  );

const figures = (r: LoadResult): Figures => ({
  reqPerSec: Math.round(r.requests.average),
  p50: r.latency.p50,
  p99: r.latency.p99,
  codes: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
  errors: r.errors + r.timeouts,
});

/** Bookings of random slots by random patients: as fast as they go, or `perSecond` of them. */
function bookingLoad(base: string, people: Browser[], s: Seeded, perSecond?: number) {
  const span = s.slotIds.max - s.slotIds.min + 1;
  return autocannon({
    url: base,
    connections: perSecond ? 2 : CONNECTIONS,
    ...(perSecond ? { overallRate: perSecond } : {}),
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/api/appointments',
        setupRequest: (req) => {
          const who = any(people);
          const slotId = s.slotIds.min + Math.floor(Math.random() * span);
          return {
            ...req,
            headers: {
              cookie: who.cookie,
              'x-csrf-token': who.csrfToken,
              'content-type': 'application/json',
            },
            body: JSON.stringify({ slotId: String(slotId), visitTypeId: s.visitTypeId }),
          };
        },
      },
    ],
  });
}

/** One provider's week, from a random day in the 90 (dates in the clinic's calendar). */
function searchLoad(base: string, people: Browser[], s: Seeded) {
  const day = (offset: number) => {
    const d = new Date(`${s.firstDay}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + offset);
    return d.toISOString().slice(0, 10);
  };
  return autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'GET',
        path: '/api/scheduling/slots',
        setupRequest: (req) => {
          const start = Math.floor(Math.random() * (DAYS - 7));
          const query = new URLSearchParams({
            clinicId: s.clinicId,
            visitTypeId: s.visitTypeId,
            providerId: any(s.providerIds),
            from: day(start),
            to: day(start + 6),
          });
          return {
            ...req,
            path: `/api/scheduling/slots?${query}`,
            headers: { cookie: any(people).cookie },
          };
        },
      },
    ],
  });
}

// ---------------------------------------------------------------- the run

const load = () => os.loadavg()[0]?.toFixed(1) ?? '?';

async function main() {
  const config = benchConfig();
  console.log(`Load average before: ${load()}`);
  console.log(`Recreating ${new URL(DATABASE_URL).pathname.slice(1)} and seeding…`);
  await recreateDatabase();
  const seeded = await seed(config);
  await sql('vacuum analyze');
  console.log(
    `${PROVIDERS} providers × ${DAYS} days × ${SLOTS_PER_DAY} slots = ${seeded.slotIds.max - seeded.slotIds.min + 1} slots ahead, ${HISTORY_DAYS} days of past visits, ${PATIENTS} patients with sessions`,
  );

  const loads: Record<string, string> = { pgbench: load() };
  console.log(`pgbench, booking transaction, ${CONNECTIONS} clients, ${SECONDS} s…`);
  const pgbench = await cpuPerRequest(
    null,
    () => pgbenchCeiling(seeded),
    (c) => c.transactions,
  );
  const ceiling = { ...pgbench.result, databaseMs: pgbench.databaseMs };
  console.log(
    `  ${Math.round(ceiling.tps)} tps, latency average ${ceiling.latencyMs} ms, PostgreSQL CPU ${ceiling.databaseMs} ms a transaction`,
  );
  // pgbench's bookings go; the clinic's past stays.
  await sql(
    'delete from appointments where starts_at > now()',
    'delete from ehr_outbox',
    'vacuum analyze',
  );

  const worker = new Worker(new URL(import.meta.url));
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    const people = await browsers(base, seeded.tokens, config);
    const phase = async (name: string, title: string, run: () => Promise<Figures>) => {
      loads[name] = load();
      console.log(`${title}, ${CONNECTIONS} connections, ${SECONDS} s…`);
      const figures = await run();
      console.log(`  ${JSON.stringify(figures)}`);
      return figures;
    };
    const searching = () => measured(worker, base, () => searchLoad(base, people, seeded));
    const booking = await phase('booking', 'Booking over HTTP', () =>
      measured(worker, base, () => bookingLoad(base, people, seeded)),
    );
    const cold = await phase('cold', 'Slot search over HTTP, from a cold start', searching);
    const search = await phase('search', 'Slot search again, its answers kept', searching);
    const mixed = await phase(
      'mixed',
      `Slot search with ${MIXED_BOOKINGS} bookings a second beside it`,
      async () =>
        (await Promise.all([searching(), bookingLoad(base, people, seeded, MIXED_BOOKINGS)]))[0],
    );
    const version = (await sql('show server_version'))[0]?.server_version;
    const ratio = booking.reqPerSec / ceiling.tps;
    console.log(
      `Booking: ${booking.reqPerSec} req/s = ${(ratio * 100).toFixed(0)}% of pgbench's ${Math.round(ceiling.tps)} tps (target ≥ 50%); search p99 ${search.p99} ms (target < 20 ms), ${cold.p99} ms from a cold start, ${mixed.p99} ms with bookings`,
    );
    writeResults({ ceiling, booking, cold, search, mixed, loads, pgVersion: version });
  } finally {
    worker.postMessage('close');
    await new Promise((r) => worker.once('exit', r));
  }
}

function writeResults(r: {
  ceiling: Ceiling;
  booking: Figures;
  cold: Figures;
  search: Figures;
  mixed: Figures;
  loads: Record<string, string>;
  pgVersion: string | undefined;
}) {
  const heading = '## Scheduling, PostgreSQL';
  const cpu = os.cpus();
  const ratio = r.booking.reqPerSec / r.ceiling.tps;
  const section = [
    `${heading} (\`bench/scheduling.ts\`)`,
    '',
    `Command: \`npm run bench:scheduling\` — ${new Date().toISOString().slice(0, 10)}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, PostgreSQL ${r.pgVersion ?? '?'} on the same machine; autocannon, the portal (a worker thread) and PostgreSQL share the cores. Load average before each run: pgbench ${r.loads.pgbench}, booking ${r.loads.booking}, search ${r.loads.cold}, ${r.loads.search} and ${r.loads.mixed}.`,
    `Data: one clinic, ${PROVIDERS} providers × ${DAYS} days × ${SLOTS_PER_DAY} half-hour slots ahead (${PROVIDERS * DAYS * SLOTS_PER_DAY} slots), and the last ${HISTORY_DAYS} days' slots all attended (${PROVIDERS * HISTORY_DAYS * SLOTS_PER_DAY} past appointments), ${PATIENTS} patients signed in. The portal runs with production settings, pg-boss started (the outbox nudge), no EHR. ${CONNECTIONS} connections, ${SECONDS} s each. Searches first from a cold start (as after a deploy: nothing kept yet), then again for as long, then with bookings beside them, each of which makes every instance forget that provider's answers and those for any provider (the CPU per search then includes the bookings').`,
    '',
    ...table(
      ['what', 'req/s (tps)', 'p50 ms', 'p99 ms', 'CPU ms each: portal, PostgreSQL', 'answers'],
      [
        [
          'pgbench: the booking transaction on our tables (the ceiling)',
          Math.round(r.ceiling.tps),
          '',
          '',
          `–, ${r.ceiling.databaseMs ?? '?'}`,
          `latency average ${r.ceiling.latencyMs} ms`,
        ],
        [
          'POST /api/appointments, a random patient and slot',
          r.booking.reqPerSec,
          r.booking.p50,
          r.booking.p99,
          cpuCell(r.booking),
          `${r.booking.codes['201'] ?? 0}× 201, ${r.booking.codes['409'] ?? 0}× 409; other: ${others(r.booking, '201', '409')}; errors ${r.booking.errors}`,
        ],
        searchRow("GET /api/scheduling/slots, a random provider's week (20 a page), cold", r.cold),
        searchRow('the same again, its answers kept', r.search),
        searchRow(`the same, with ${MIXED_BOOKINGS} bookings a second beside it`, r.mixed),
      ],
    ),
    '',
    `Booking is **${(ratio * 100).toFixed(0)}%** of the database's ceiling (target ≥ 50%); slot search p99 is **${r.search.p99} ms** once its answers are kept (target < 20 ms), ${r.cold.p99} ms from a cold start and ${r.mixed.p99} ms with bookings beside it.`,
    '',
  ].join('\n');
  const old = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmark results\n';
  const start = old.indexOf(heading);
  let text: string;
  if (start === -1) text = `${old.trimEnd()}\n\n${section}`;
  else {
    const next = old.indexOf('\n## ', start + heading.length);
    text = `${old.slice(0, start)}${section}${next === -1 ? '' : `\n${old.slice(next + 1)}`}`;
  }
  fs.writeFileSync(RESULTS, text);
  console.log(`Written to ${path.relative(process.cwd(), RESULTS)}`);
}

const searchRow = (what: string, f: Figures) => [
  what,
  f.reqPerSec,
  f.p50,
  f.p99,
  cpuCell(f),
  `${f.codes['200'] ?? 0}× 200, ${f.searchesFromMemory ?? '?'} from memory; other: ${others(f, '200')}; errors ${f.errors}`,
];

/** Answers other than the expected statuses. */
const others = (f: Figures, ...expected: string[]) =>
  Object.entries(f.codes)
    .filter(([code]) => !expected.includes(code))
    .map(([code, n]) => `${n}× ${code}`)
    .join(', ') || 'none';

const cpuCell = (f: Figures) => `${f.cpu?.portalMs ?? '?'}, ${f.cpu?.databaseMs ?? '?'}`;

/** A Markdown table laid out as the formatter (Biome) leaves it: padded, numbers to the right. */
function table(head: string[], rows: (string | number)[][]): string[] {
  const right = head.map(
    (_, i) => i > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === ''),
  );
  const width = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (right[i] ? c.padStart(width[i] as number) : c.padEnd(width[i] as number))).join(' | ')} |`;
  const rule = width.map((w, i) => (right[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(head), `| ${rule.join(' | ')} |`, ...rows.map((r) => line(r.map(String)))];
}

if (isMainThread) await main();
else await servePortal();
