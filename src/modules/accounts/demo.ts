// Demo people for a first look: patients at the three demo clinics and one
// account for every role, all sharing one password. The patients are the
// demo EHR's (synthetic Synthea records, linked by MRN); without the demo EHR
// a few fictional ones stand in, unlinked. Staff
// accounts have TOTP with a fixed secret, so `portal demo-code` can print
// the current code. Never in production (the config refuses DEMO_DATA there).
import type { Kysely } from 'kysely';
import { generate } from 'otplib';
import type { Config } from '../../config.ts';
import { encrypt } from '../../platform/crypto/crypto.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { UserError } from '../../platform/errors.ts';
import { birthday, MAX_GRANT_YEARS } from '../patients/proxies.ts';
import { hashPassword } from './passwords.ts';
import { type Role, STAFF_ROLES } from './tables.ts';

type Db = Kysely<Schema>;

export const DEMO_DOMAIN = 'demo.portal.test';
export const DEMO_PASSWORD = 'sunny harbor visit 2026';
/** Base32; the same for every demo staff account. */
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export interface DemoPatient {
  given: string;
  family: string;
  birthDate: string;
  email: string | null;
  phone?: string | null;
  language?: 'en' | 'es';
  /** clinic slug → MRN, the clinic the patient mostly goes to first */
  mrns: Record<string, string>;
  /** The EHR's Patient id, when the person comes from the EHR. */
  ehrPatientId?: string;
}

/**
 * The records of the demo patient account and of the demo proxy's child, by
 * Riverside MRN: the same in the demo EHR and in the stand-in list below.
 */
export const ACCOUNT_HOLDER_MRN = 'RFM-100201';
export const PROXY_CHILD_MRN = 'RFM-100202';

/** Made-up stand-ins when there is no demo EHR; phone-free, e-mails on the reserved .test domain. */
export const demoPatients: DemoPatient[] = [
  {
    given: 'Alex',
    family: 'Marlowe',
    birthDate: '1984-03-14',
    email: `patient@${DEMO_DOMAIN}`,
    mrns: { riverside: 'RFM-100201' },
  },
  {
    given: 'Robin',
    family: 'Quillfeather',
    birthDate: '2016-09-02',
    email: null,
    mrns: { riverside: 'RFM-100202', prairie: 'PHC-200311' },
  },
  {
    given: 'June',
    family: 'Okafor-Lindqvist',
    birthDate: '1952-11-30',
    email: null,
    mrns: { prairie: 'PHC-200312' },
  },
  {
    given: 'Tomás',
    family: 'Arbeloa',
    birthDate: '1990-06-21',
    email: null,
    mrns: { foothills: 'FCC-300415', riverside: 'RFM-100203' },
  },
];

interface DemoAccount {
  role: Role;
  name: string;
  /** Clinic slug, or null for the whole group. */
  clinic: string | null;
  /** The MRN of the record the account belongs to (patients only). */
  patient?: string;
}

export const demoAccounts: DemoAccount[] = [
  // The patient and the parent are named after their records when seeded.
  { role: 'patient', name: 'Alex Marlowe', clinic: null, patient: ACCOUNT_HOLDER_MRN },
  { role: 'proxy', name: 'Kit Quillfeather', clinic: null },
  { role: 'front_desk', name: 'Dana Whitcombe', clinic: 'riverside' },
  { role: 'nurse', name: 'Priya Ansel', clinic: 'riverside' },
  { role: 'provider', name: 'Dr. Elias Brandt', clinic: 'riverside' },
  { role: 'clinic_admin', name: 'Maren Holt', clinic: 'riverside' },
  { role: 'compliance_officer', name: 'Ines Faraday', clinic: null },
  { role: 'support_agent', name: 'Omar Kestrel', clinic: null },
  { role: 'system_admin', name: 'Lena Vossberg', clinic: null },
];

export const demoEmail = (role: Role) => `${role}@${DEMO_DOMAIN}`;
const isStaff = (role: Role) => role !== 'patient' && role !== 'proxy';

/**
 * Adds what is missing (by MRN and e-mail); returns how many accounts it
 * added. `people` are the demo EHR's patients, or the stand-ins.
 */
export async function seedDemoPeople(
  db: Db,
  config: Pick<Config, 'encryptionKey'>,
  people: DemoPatient[] = demoPatients,
) {
  const clinics = new Map(
    (await db.selectFrom('clinics').select(['id', 'slug']).execute()).map((c) => [c.slug, c.id]),
  );
  // Demo people live at the demo clinics; an install with its own clinics gets none.
  if (!people.every((p) => Object.keys(p.mrns).every((slug) => clinics.has(slug)))) return 0;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const holder = people.find((p) => Object.values(p.mrns).includes(ACCOUNT_HOLDER_MRN));
  const child = people.find((p) => Object.values(p.mrns).includes(PROXY_CHILD_MRN));
  const names: Partial<Record<Role, string>> = {
    ...(holder && { patient: `${holder.given} ${holder.family}` }),
    ...(child && { proxy: `Kit ${child.family}` }),
  };
  return db.transaction().execute(async (trx) => {
    const patients = new Map<string, string>(); // MRN → patient id
    for (const p of people) {
      const id = await seedPatient(trx, p, clinics);
      for (const mrn of Object.values(p.mrns)) patients.set(mrn, id);
    }
    let added = 0;
    for (const a of demoAccounts) {
      const account = { ...a, name: names[a.role] ?? a.name };
      const id = await seedAccount(trx, account, { passwordHash, clinics, patients, config });
      if (id) added++;
    }
    if (child) await seedProxyGrant(trx, child, patients);
    return added;
  });
}

async function seedPatient(trx: Db, p: DemoPatient, clinics: Map<string, string>) {
  const [slug, mrn] = Object.entries(p.mrns)[0] as [string, string];
  const existing = await trx
    .selectFrom('patient_clinics')
    .select('patient_id')
    .where('clinic_id', '=', clinicId(clinics, slug))
    .where('mrn', '=', mrn)
    .executeTakeFirst();
  if (existing) return existing.patient_id;
  const { id } = await trx
    .insertInto('patients')
    .values({
      given_name: p.given,
      family_name: p.family,
      birth_date: p.birthDate,
      email: p.email,
      phone: p.phone ?? null,
      language: p.language ?? 'en',
      ehr_patient_id: p.ehrPatientId ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('patient_clinics')
    .values(
      Object.entries(p.mrns).map(([s, m]) => ({
        patient_id: id,
        clinic_id: clinicId(clinics, s),
        mrn: m,
      })),
    )
    .execute();
  return id;
}

async function seedAccount(
  trx: Db,
  a: DemoAccount,
  ctx: {
    passwordHash: string;
    clinics: Map<string, string>;
    patients: Map<string, string>;
    config: Pick<Config, 'encryptionKey'>;
  },
) {
  const staff = isStaff(a.role);
  const user = await trx
    .insertInto('users')
    .values({
      email: demoEmail(a.role),
      display_name: a.name,
      password_hash: ctx.passwordHash,
      password_changed_at: new Date(),
      patient_id: a.patient ? (ctx.patients.get(a.patient) ?? null) : null,
      totp_secret: staff ? encrypt(ctx.config.encryptionKey, DEMO_TOTP_SECRET) : null,
      totp_enabled_at: staff ? new Date() : null,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!user) return null;
  await trx
    .insertInto('user_roles')
    .values({
      user_id: user.id,
      role: a.role,
      clinic_id: a.clinic ? clinicId(ctx.clinics, a.clinic) : null,
    })
    .execute();
  return user.id;
}

/** The demo parent may act for the demo child until the child turns 18 (or five years). */
async function seedProxyGrant(trx: Db, child: DemoPatient, patients: Map<string, string>) {
  const childId = patients.get(PROXY_CHILD_MRN) as string;
  const parent = await trx
    .selectFrom('users')
    .select('id')
    .where('email', '=', demoEmail('proxy'))
    .executeTakeFirstOrThrow();
  const open = await trx
    .selectFrom('proxy_grants')
    .select('id')
    .where('proxy_user_id', '=', parent.id)
    .where('patient_id', '=', childId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  if (open) return;
  const fiveYears = new Date();
  fiveYears.setUTCFullYear(fiveYears.getUTCFullYear() + MAX_GRANT_YEARS);
  const adult = birthday(child.birthDate, 18);
  const admin = await trx
    .selectFrom('users')
    .select('id')
    .where('email', '=', demoEmail('front_desk'))
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('proxy_grants')
    .values({
      proxy_user_id: parent.id,
      patient_id: childId,
      relationship: 'parent',
      expires_at: adult < fiveYears ? adult : fiveYears,
      granted_by: admin.id,
    })
    .execute();
}

function clinicId(clinics: Map<string, string>, slug: string): string {
  const id = clinics.get(slug);
  if (!id) throw new Error(`demo clinic ${slug} is missing`);
  return id;
}

/** The demo accounts present in this database, for the start-up banner. */
export async function presentDemoAccounts(db: Db) {
  const rows = await db
    .selectFrom('users')
    .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
    .select(['users.email', 'user_roles.role'])
    .where('users.email', 'like', `%@${DEMO_DOMAIN}`)
    .execute();
  const order = demoAccounts.map((a) => a.role);
  return rows.sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
}

/** The start-up banner: e-mail and role of each demo account, and the password. */
export function demoBanner(accounts: { email: string; role: Role }[]): string {
  if (accounts.length === 0) return '';
  const width = Math.max(...accounts.map((a) => a.email.length));
  return [
    'Demo accounts (fictional data):',
    ...accounts.map((a) => `  ${a.email.padEnd(width)}  ${a.role}`),
    `Password for all: ${DEMO_PASSWORD}`,
    'Staff accounts ask for a code: npm run portal -- demo-code --email <e-mail>',
    `  (or add the demo secret ${DEMO_TOTP_SECRET} to an authenticator app)`,
  ].join('\n');
}

/**
 * The current TOTP code of a demo staff account, from the fixed demo secret.
 * It reads no database, so it works while `npm start` holds the embedded one.
 */
export async function demoCode(config: Pick<Config, 'env'>, email: string) {
  if (config.env === 'production') throw new UserError('demo-code is not available in production.');
  const address = email.trim().toLowerCase();
  const [role, domain] = address.split('@');
  if (domain !== DEMO_DOMAIN)
    throw new UserError(`${address} is not a demo account (they end in @${DEMO_DOMAIN}).`);
  if (!STAFF_ROLES.includes(role as Role))
    throw new UserError(`${address} has no authenticator; it signs in without a code.`);
  return generate({ secret: DEMO_TOTP_SECRET });
}
