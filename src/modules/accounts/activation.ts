// Patient activation: staff issue a one-time code for a patient record; the
// patient proves it is them with the code and their date of birth, then
// creates their account. Codes are stored hashed, work once, expire, and a
// code guessed at with wrong birth dates stops working.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type AuditSource, audit } from '../../platform/audit/audit.ts';
import { hashToken } from '../../platform/crypto/crypto.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError, notFound } from '../../platform/errors.ts';
import { queueMail } from '../../platform/mail/mail.ts';
import { mailTexts } from '../../platform/mail/messages.ts';

type Db = Kysely<Schema>;

export const ACTIVATION_DAYS = 14;
/** Wrong birth dates tried with one code before it is revoked. */
export const MAX_BIRTH_DATE_FAILURES = 5;
/** Crockford's base32: no I, L, O or U, so a printed code cannot be misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 12 random characters (60 bits), shown as XXXX-XXXX-XXXX. */
export function newActivationCode(): string {
  // 32 symbols divide 256 evenly, so the low 5 bits of a byte are uniform.
  const chars = [...randomBytes(12)].map((b) => ALPHABET[b & 31]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
}

/** Case, dashes and spaces do not matter; O reads as 0, I and L as 1 (Crockford). */
export const normalizeCode = (input: string) =>
  input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');

export const hashActivationCode = (code: string) => hashToken(normalizeCode(code));

/**
 * Issues a new code for a patient without an account, revoking their older
 * unused ones; with `sendEmail`, mails it to the address on file. The code
 * is returned once, to be shown or printed; only its hash is kept.
 */
export async function issueActivationCode(
  db: Db,
  source: AuditSource,
  input: { patientId: string; issuedBy: string; sendEmail?: boolean; publicUrl: string },
): Promise<{ code: string; expiresAt: Date }> {
  const run = async (trx: Db) => {
    const patient = await trx
      .selectFrom('patients')
      .leftJoin('users', 'users.patient_id', 'patients.id')
      .select(['patients.id', 'patients.email', 'patients.language', 'users.id as userId'])
      .where('patients.id', '=', input.patientId)
      .executeTakeFirst();
    if (!patient) throw notFound('That patient');
    if (patient.userId)
      throw new ApiError(
        409,
        'already_activated',
        "This patient already has an account. They can sign in, or use 'Forgot password'.",
      );
    if (input.sendEmail && !patient.email)
      throw new ApiError(
        409,
        'no_email_on_file',
        'There is no e-mail address on file for this patient. Print the code as a letter instead, or add an address first.',
      );
    const code = newActivationCode();
    const expiresAt = new Date(Date.now() + ACTIVATION_DAYS * 86_400_000);
    await trx
      .updateTable('activation_codes')
      .set({ revoked_at: new Date() })
      .where('patient_id', '=', patient.id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
    const row = await trx
      .insertInto('activation_codes')
      .values({
        patient_id: patient.id,
        code_hash: hashActivationCode(code),
        expires_at: expiresAt,
        created_by: input.issuedBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (input.sendEmail && patient.email)
      await queueMail(trx, {
        to: patient.email,
        ...mailTexts.activationCode(patient.language, {
          code,
          days: ACTIVATION_DAYS,
          url: `${input.publicUrl}/activate`,
        }),
      });
    await audit(trx, source, {
      action: 'create',
      resourceType: 'ActivationCode',
      resourceId: row.id,
      patientId: patient.id,
      details: { sentByEmail: Boolean(input.sendEmail) },
    });
    return { code, expiresAt };
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

export interface ValidCode {
  id: string;
  patientId: string;
  givenName: string;
  familyName: string;
  language: 'en' | 'es';
}

type Failure = 'unknown' | 'expired' | 'used' | 'revoked' | 'birth_date' | 'already_activated';

/** One answer for every reason, so a guesser learns nothing. */
export const activationFailed = () =>
  new ApiError(
    400,
    'activation_failed',
    'The code or the date of birth is not right, or the code no longer works. Check both and try again; if it still fails, ask the clinic for a new code.',
  );

/**
 * Resolves to the code when it is valid and the birth date matches; else
 * records the failure (a wrong birth date counts against the code) and
 * throws `activation_failed`.
 */
export async function checkActivationCode(
  db: Db,
  source: AuditSource,
  input: { code: string; birthDate: string },
): Promise<ValidCode> {
  const row = await db
    .selectFrom('activation_codes as c')
    .innerJoin('patients as p', 'p.id', 'c.patient_id')
    .leftJoin('users as u', 'u.patient_id', 'p.id')
    .select([
      'c.id',
      'c.patient_id as patientId',
      'c.expires_at',
      'c.used_at',
      'c.revoked_at',
      'p.birth_date',
      'p.given_name as givenName',
      'p.family_name as familyName',
      'p.language',
      'u.id as userId',
    ])
    .where('c.code_hash', '=', hashActivationCode(input.code))
    .executeTakeFirst();
  const failure = whyRefused(row, input.birthDate);
  if (!failure && row) return row;
  await recordFailure(db, source, failure ?? 'unknown', row);
  throw activationFailed();
}

function whyRefused(
  row:
    | {
        expires_at: Date;
        used_at: Date | null;
        revoked_at: Date | null;
        birth_date: string;
        userId: string | null;
      }
    | undefined,
  birthDate: string,
): Failure | null {
  if (!row) return 'unknown';
  if (row.used_at) return 'used';
  if (row.revoked_at) return 'revoked';
  if (row.expires_at <= new Date()) return 'expired';
  if (row.userId) return 'already_activated';
  if (row.birth_date !== birthDate) return 'birth_date';
  return null;
}

async function recordFailure(
  db: Db,
  source: AuditSource,
  reason: Failure,
  code: { id: string; patientId: string } | undefined,
) {
  await db.transaction().execute(async (trx) => {
    await audit(trx, source, {
      action: 'access_denied',
      outcome: 'failure',
      resourceType: 'ActivationCode',
      resourceId: code?.id,
      patientId: code?.patientId ?? null,
      details: { reason },
    });
    if (reason !== 'birth_date' || !code) return;
    const { failed_attempts } = await trx
      .updateTable('activation_codes')
      .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
      .where('id', '=', code.id)
      .returning('failed_attempts')
      .executeTakeFirstOrThrow();
    if (failed_attempts < MAX_BIRTH_DATE_FAILURES) return;
    await trx
      .updateTable('activation_codes')
      .set({ revoked_at: new Date() })
      .where('id', '=', code.id)
      .execute();
    await audit(trx, source, {
      action: 'lockout',
      outcome: 'failure',
      resourceType: 'ActivationCode',
      resourceId: code.id,
      patientId: code.patientId,
      details: { reason: 'too_many_wrong_birth_dates' },
    });
  });
}

export interface NewPatientAccount {
  email: string;
  passwordHash: string;
  language: 'en' | 'es';
}

/**
 * Uses the code and creates the patient's account, in the caller's
 * transaction. The code is claimed with its conditions re-checked, so two
 * activations racing with one code cannot both succeed.
 */
export async function createPatientAccount(
  trx: Db,
  source: AuditSource,
  code: ValidCode,
  account: NewPatientAccount,
): Promise<string> {
  const now = new Date();
  const claimed = await trx
    .updateTable('activation_codes')
    .set({ used_at: now })
    .where('id', '=', code.id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) throw activationFailed();
  if (await emailTaken(trx, account.email)) throw emailTakenError();
  const user = await trx
    .insertInto('users')
    .values({
      email: account.email,
      display_name: `${code.givenName} ${code.familyName}`.slice(0, 200),
      password_hash: account.passwordHash,
      password_changed_at: now,
      patient_id: code.patientId,
      language: account.language,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('user_roles')
    .values({ user_id: user.id, role: 'patient', clinic_id: null })
    .execute();
  // Any other code still out for this patient has no use any more.
  await trx
    .updateTable('activation_codes')
    .set({ revoked_at: now })
    .where('patient_id', '=', code.patientId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
  await audit(trx, source, {
    action: 'create',
    resourceType: 'Account',
    resourceId: user.id,
    patientId: code.patientId,
    actorUserId: user.id,
    details: { activationCodeId: code.id },
  });
  return user.id;
}

export async function emailTaken(db: Db, email: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirst();
  return Boolean(row);
}

export const emailTakenError = () =>
  new ApiError(
    409,
    'email_taken',
    "An account with this e-mail already exists. Sign in, or use 'Forgot password'.",
  );
