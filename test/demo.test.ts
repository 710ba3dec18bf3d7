// Demo data: fictional patients at the demo clinics and an account for every
// role, seeded idempotently; staff have TOTP with a fixed secret, whose
// current code `portal demo-code` prints for demo accounts only.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'otplib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import {
  DEMO_DOMAIN,
  DEMO_PASSWORD,
  DEMO_TOTP_SECRET,
  demoBanner,
  demoCode,
  demoEmail,
  presentDemoAccounts,
} from '../src/modules/accounts/demo.ts';
import { passwordProblem, verifyPassword } from '../src/modules/accounts/passwords.ts';
import { ROLES, STAFF_ROLES } from '../src/modules/accounts/tables.ts';
import { decrypt } from '../src/platform/crypto/crypto.ts';
import { seedDemo, seedIfEmpty } from '../src/seed.ts';
import { createServerDatabase, serverUrl, testDatabase } from './support/database.ts';

const config = loadConfig({ NODE_ENV: 'test' });
const ROOT = path.resolve(import.meta.dirname, '..');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function seeded() {
  const database = await testDatabase();
  cleanups.push(() => database.close());
  const first = await seedDemo(database.db, config);
  return { db: database.db, first };
}

const TABLES = ['users', 'user_roles', 'patients', 'patient_clinics', 'proxy_grants'] as const;
const counts = (db: Awaited<ReturnType<typeof seeded>>['db']) =>
  Promise.all(
    TABLES.map((table) =>
      db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n)),
    ),
  );

describe('seeding', () => {
  it('adds an account for every role, once', async () => {
    const { db, first } = await seeded();
    expect(first).toEqual({ clinicsAdded: 3, accountsAdded: ROLES.length });
    expect(await seedDemo(db, config)).toEqual({ clinicsAdded: 0, accountsAdded: 0 });
    const accounts = await presentDemoAccounts(db);
    expect(accounts.map((a) => a.role).sort()).toEqual([...ROLES].sort());
    for (const a of accounts) expect(a.email).toBe(demoEmail(a.role));
    const before = await counts(db);
    await seedDemo(db, config);
    expect(await counts(db)).toEqual(before);
  });

  it('scopes staff: clinic staff at Riverside, compliance, support and system admin group-wide', async () => {
    const { db } = await seeded();
    const rows = await db
      .selectFrom('users')
      .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
      .leftJoin('clinics', 'clinics.id', 'user_roles.clinic_id')
      .select(['user_roles.role', 'clinics.slug', 'users.totp_secret', 'users.patient_id'])
      .execute();
    const byRole = Object.fromEntries(rows.map((r) => [r.role, r]));
    for (const role of ['front_desk', 'nurse', 'provider', 'clinic_admin'] as const)
      expect(byRole[role]?.slug).toBe('riverside');
    for (const role of ['compliance_officer', 'support_agent', 'system_admin'] as const)
      expect(byRole[role]?.slug).toBeNull();
    for (const role of STAFF_ROLES) {
      const secret = byRole[role]?.totp_secret;
      expect(secret && decrypt(config.encryptionKey, secret)).toBe(DEMO_TOTP_SECRET);
    }
    expect(byRole.patient?.patient_id).toEqual(expect.any(String));
    expect(byRole.patient?.totp_secret).toBeNull();
  });

  it('links the patient to a demo record and the parent to a demo child until 18', async () => {
    const { db } = await seeded();
    const registered = await db
      .selectFrom('patient_clinics')
      .innerJoin('clinics', 'clinics.id', 'patient_clinics.clinic_id')
      .select(['clinics.slug', 'patient_clinics.mrn'])
      .execute();
    expect(new Set(registered.map((r) => r.slug))).toEqual(
      new Set(['riverside', 'prairie', 'foothills']),
    );
    const grant = await db
      .selectFrom('proxy_grants as g')
      .innerJoin('users as u', 'u.id', 'g.proxy_user_id')
      .innerJoin('patients as p', 'p.id', 'g.patient_id')
      .select(['u.email', 'g.relationship', 'g.expires_at', 'p.birth_date'])
      .executeTakeFirstOrThrow();
    expect(grant).toMatchObject({ email: demoEmail('proxy'), relationship: 'parent' });
    expect(grant.expires_at.getTime()).toBeGreaterThan(Date.now());
    const eighteen = new Date(`${grant.birth_date}T00:00:00Z`);
    eighteen.setUTCFullYear(eighteen.getUTCFullYear() + 18);
    expect(grant.expires_at.getTime()).toBeLessThanOrEqual(eighteen.getTime());
  });

  it('uses one password that meets the password rules for every account', async () => {
    const { db } = await seeded();
    const users = await db
      .selectFrom('users')
      .select(['email', 'display_name', 'password_hash'])
      .execute();
    expect(DEMO_PASSWORD.length).toBeGreaterThanOrEqual(12);
    for (const u of users) {
      expect(passwordProblem(DEMO_PASSWORD, [u.email, u.display_name]), u.email).toBeNull();
      expect(await verifyPassword(u.password_hash as string, DEMO_PASSWORD)).toBe(true);
    }
  });

  it('on start, adds people only to a database without any', async () => {
    const fresh = await testDatabase();
    cleanups.push(() => fresh.close());
    expect(await seedIfEmpty(fresh.db, config)).toEqual({
      clinicsAdded: 3,
      accountsAdded: ROLES.length,
    });
    const other = await testDatabase();
    cleanups.push(() => other.close());
    await other.db
      .insertInto('users')
      .values({ email: 'real@example.org', display_name: 'Real Person', password_hash: null })
      .execute();
    expect(await seedIfEmpty(other.db, config)).toEqual({ clinicsAdded: 3, accountsAdded: 0 });
  });
});

describe('demo codes', () => {
  it('are the current TOTP code of a demo staff account', async () => {
    const code = await demoCode(config, 'Nurse@Demo.Portal.Test');
    expect(code).toMatch(/^\d{6}$/);
    // The code is for the current 30 s step; a step boundary may fall between the two calls.
    const now = await generate({ secret: DEMO_TOTP_SECRET });
    const before = await generate({
      secret: DEMO_TOTP_SECRET,
      epoch: Math.floor(Date.now() / 1000) - 30,
    });
    expect([now, before]).toContain(code);
  });

  it('are refused for other accounts, patients without TOTP, and in production', async () => {
    await expect(demoCode(config, 'someone@example.org')).rejects.toThrow(/not a demo account/);
    await expect(demoCode(config, demoEmail('patient'))).rejects.toThrow(/no authenticator/);
    await expect(demoCode({ ...config, env: 'production' }, demoEmail('nurse'))).rejects.toThrow(
      /not available in production/,
    );
  });
});

describe('banner', () => {
  it('lists e-mail and role, the password, and how to get a code', () => {
    const text = demoBanner([
      { email: demoEmail('patient'), role: 'patient' },
      { email: demoEmail('nurse'), role: 'nurse' },
    ]);
    expect(text).toMatch(/patient@demo\.portal\.test\s+patient/);
    expect(text).toContain(DEMO_PASSWORD);
    expect(text).toContain('npm run portal -- demo-code --email');
    expect(demoBanner([])).toBe('');
  });
});

describe('the portal command', () => {
  async function env() {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-demo-'));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const out: Record<string, string> = { DATA_DIR: dataDir };
    if (serverUrl) {
      const server = await createServerDatabase();
      cleanups.push(server.drop);
      out.DATABASE_URL = server.url;
    }
    return out;
  }

  function run(args: string[], extra: Record<string, string>) {
    const child = spawn(process.execPath, ['src/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...extra },
    });
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (c) => {
      output.stdout += c;
    });
    child.stderr.on('data', (c) => {
      output.stderr += c;
    });
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    return { child, output, done };
  }

  const finish = async (args: string[], extra: Record<string, string>) => {
    const r = run(args, extra);
    return { code: await r.done, ...r.output };
  };

  it('seeds, prints a code for a demo account and refuses another', {
    timeout: 90_000,
  }, async () => {
    const e = await env();
    const seed = await finish(['seed', '--demo'], e);
    expect(seed.stdout).toMatch(/3 clinic\(s\) added, 9 account\(s\) added/);
    const code = await finish(['demo-code', '--email', demoEmail('provider')], e);
    expect(code).toMatchObject({ code: 0, stderr: '' });
    expect(code.stdout.trim()).toMatch(/^\d{6}$/);
    const refused = await finish(['demo-code', '--email', 'someone@example.org'], e);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(/^portal: someone@example\.org is not a demo account/);
  });

  /** Starts the portal and resolves once stdout shows `text`. */
  async function start(extra: Record<string, string>, text: string) {
    const r = run(['start'], { ...(await env()), HOST: '127.0.0.1', PORT: '0', ...extra });
    children.push(r.child);
    await new Promise<void>((resolve, reject) => {
      r.child.stdout.on('data', () => {
        if (r.output.stdout.includes(text)) resolve();
      });
      r.child.on('close', () => reject(new Error(`exited: ${r.output.stderr}`)));
    });
    return r;
  }

  it('start prints the demo accounts and the password', { timeout: 90_000 }, async () => {
    const r = await start({}, 'demo-code --email');
    for (const role of ROLES) expect(r.output.stdout).toContain(demoEmail(role));
    expect(r.output.stdout).toContain(`Password for all: ${DEMO_PASSWORD}`);
    r.child.kill('SIGTERM');
    expect(await r.done).toBe(0);
  });

  it('start without DEMO_DATA seeds and prints no demo accounts', { timeout: 90_000 }, async () => {
    const r = await start({ DEMO_DATA: 'false' }, 'running at');
    r.child.kill('SIGTERM');
    expect(await r.done).toBe(0);
    expect(r.output.stdout).not.toContain(DEMO_DOMAIN);
    expect(r.output.stdout).not.toContain(DEMO_PASSWORD);
  });
});

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});
