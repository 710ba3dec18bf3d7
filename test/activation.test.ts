// Patient activation: staff issue a code, the patient checks it with their
// date of birth, creates the account and is signed in. Codes work once,
// expire, are revoked by a new code or by guessing birth dates, every bad
// attempt gets the same answer, and attempts per IP are limited.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hashActivationCode,
  issueActivationCode,
  MAX_BIRTH_DATE_FAILURES,
  newActivationCode,
  normalizeCode,
} from '../src/modules/accounts/activation.ts';
import type { AuditSource } from '../src/platform/audit/audit.ts';
import { hashToken } from '../src/platform/crypto/crypto.ts';
import { type TestApp, testApp } from './support/app.ts';
import { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, TEST_PASSWORD } from './support/factories.ts';

let t: TestApp;
let clinicId: string;
let staffId: string;
let staffSource: AuditSource;
beforeAll(async () => {
  t = await testApp();
  clinicId = (await createClinic(t.database.db)).id;
  staffId = (
    await createUser(t.database.db, t.config, {
      roles: [{ role: 'front_desk', clinicId }],
      totp: true,
    })
  ).id;
  staffSource = {
    actorUserId: staffId,
    actorRole: 'front_desk',
    actingForPatientId: null,
    ip: '198.51.100.1',
    userAgent: 'staff-browser',
    requestId: 'staff-request-1',
  };
});
afterAll(() => t.close());

let ipCounter = 0;
/** A browser with an address of its own, so attempt limits of one test do not touch another. */
function browser() {
  const client = new Client(t.app);
  ipCounter++;
  client.ip = `203.0.113.${ipCounter}`;
  return client;
}

const BIRTH_DATE = '1980-04-12';
let emailCounter = 0;
const newEmail = () => `activated-${++emailCounter}-${Date.now()}@example.org`;

async function patientWithCode(options: { email?: string; sendEmail?: boolean } = {}) {
  const patient = await createPatient(t.database.db, {
    clinicId,
    givenName: 'Rosalind',
    familyName: `Quimby${emailCounter}`,
    birthDate: BIRTH_DATE,
    email: options.email,
  });
  const issued = await issueActivationCode(t.database.db, staffSource, {
    patientId: patient.id,
    issuedBy: staffId,
    sendEmail: options.sendEmail,
    publicUrl: t.config.publicUrl,
  });
  return { patient, ...issued };
}

const codeRow = (code: string) =>
  t.database.db
    .selectFrom('activation_codes')
    .selectAll()
    .where('code_hash', '=', hashActivationCode(code))
    .executeTakeFirstOrThrow();

const auditOf = (patientId: string) =>
  t.database.db
    .selectFrom('audit_events')
    .selectAll()
    .where('patient_id', '=', patientId)
    .orderBy('id')
    .execute();

const activation = (code: string, email = newEmail()) => ({
  code,
  birthDate: BIRTH_DATE,
  email,
  password: TEST_PASSWORD,
});

describe('issuing a code', () => {
  it('makes a 12-character code without look-alike letters and keeps only its hash', async () => {
    const { patient, code, expiresAt } = await patientWithCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    const row = await codeRow(code);
    expect(row.code_hash).toBe(hashToken(code.replace(/-/g, '')));
    expect(JSON.stringify(row)).not.toContain(code.replace(/-/g, ''));
    const days = (expiresAt.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(13.9);
    expect(days).toBeLessThanOrEqual(14);
    expect(row.expires_at.getTime()).toBe(expiresAt.getTime());
    expect(await auditOf(patient.id)).toMatchObject([
      {
        action: 'create',
        resource_type: 'ActivationCode',
        resource_id: row.id,
        actor_user_id: staffId,
        outcome: 'success',
      },
    ]);
  });

  it('revokes the older unused code when a new one is issued', async () => {
    const { patient, code: first } = await patientWithCode();
    const second = await issueActivationCode(t.database.db, staffSource, {
      patientId: patient.id,
      issuedBy: staffId,
      publicUrl: t.config.publicUrl,
    });
    expect((await codeRow(first)).revoked_at).toBeInstanceOf(Date);
    expect((await codeRow(second.code)).revoked_at).toBeNull();
    const client = browser();
    const check = (code: string) =>
      client.post('/api/activation/check', { code, birthDate: BIRTH_DATE });
    expect((await check(first)).statusCode).toBe(400);
    expect((await check(second.code)).statusCode).toBe(200);
  });

  it('mails the code and the link to the address on file, and nothing more', async () => {
    const email = `on-file-${Date.now()}@example.org`;
    const { code, patient } = await patientWithCode({ email, sendEmail: true });
    const mails = await t.database.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', email)
      .execute();
    expect(mails).toHaveLength(1);
    const text = `${mails[0]?.subject}\n${mails[0]?.body}`;
    expect(text).toContain(code);
    expect(text).toContain(`${t.config.publicUrl}/activate`);
    expect(text).not.toContain(patient.given_name);
    expect(text).not.toContain(patient.family_name);
    expect(text).not.toContain(BIRTH_DATE);
  });

  it('refuses to mail a patient without an address on file, storing nothing', async () => {
    const patient = await createPatient(t.database.db, { clinicId });
    const issuing = issueActivationCode(t.database.db, staffSource, {
      patientId: patient.id,
      issuedBy: staffId,
      sendEmail: true,
      publicUrl: t.config.publicUrl,
    });
    await expect(issuing).rejects.toMatchObject({ status: 409, code: 'no_email_on_file' });
    const codes = await t.database.db
      .selectFrom('activation_codes')
      .select('id')
      .where('patient_id', '=', patient.id)
      .execute();
    expect(codes).toEqual([]);
    expect(await auditOf(patient.id)).toEqual([]);
  });

  it('refuses a patient who already has an account', async () => {
    const patient = await createPatient(t.database.db, { clinicId });
    await createUser(t.database.db, t.config, {
      roles: [{ role: 'patient', clinicId: null }],
      patientId: patient.id,
    });
    await expect(
      issueActivationCode(t.database.db, staffSource, {
        patientId: patient.id,
        issuedBy: staffId,
        publicUrl: t.config.publicUrl,
      }),
    ).rejects.toMatchObject({ status: 409, code: 'already_activated' });
  });
});

describe('activating', () => {
  it('creates the account, signs the patient in and uses up the code', async () => {
    const { patient, code } = await patientWithCode();
    const client = browser();
    // As a person might type it from a letter: lower case, spaces for dashes.
    const typed = code.toLowerCase().replace(/-/g, ' ');
    const checked = await client.post('/api/activation/check', {
      code: typed,
      birthDate: BIRTH_DATE,
    });
    expect(checked.statusCode).toBe(200);
    expect(checked.json()).toEqual({ ok: true });

    const email = newEmail();
    const res = await client.post('/api/activation', {
      ...activation(typed, email.toUpperCase()),
      language: 'es',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ next: 'offer-mfa' });

    const session = (await client.get('/api/session')).json();
    expect(session).toMatchObject({
      signedIn: true,
      complete: true,
      user: { email, patientId: patient.id, language: 'es', mfaEnrolled: false },
      roles: [{ role: 'patient', clinicId: null }],
    });

    const user = await t.database.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    expect((await codeRow(code)).used_at).toBeInstanceOf(Date);
    const sessions = await t.database.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(sessions).toMatchObject([{ mfa_verified_at: null, ended_at: null }]);

    const events = await auditOf(patient.id);
    expect(events.map((e) => [e.action, e.resource_type, e.outcome])).toEqual([
      ['create', 'ActivationCode', 'success'],
      ['view', 'ActivationCode', 'success'],
      ['create', 'Account', 'success'],
    ]);
    const signIn = await t.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_user_id', '=', user.id)
      .where('action', '=', 'sign_in')
      .execute();
    expect(signIn).toMatchObject([{ resource_type: 'Session', resource_id: sessions[0]?.id }]);
  });

  it('works once', async () => {
    const { code } = await patientWithCode();
    const client = browser();
    expect((await client.post('/api/activation', activation(code))).statusCode).toBe(200);
    const again = await browser().post('/api/activation', activation(code));
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('activation_failed');
    const check = await browser().post('/api/activation/check', {
      code,
      birthDate: BIRTH_DATE,
    });
    expect(check.json().error.code).toBe('activation_failed');
  });

  it('refuses an expired code', async () => {
    const { code } = await patientWithCode();
    await t.database.db
      .updateTable('activation_codes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('code_hash', '=', hashActivationCode(code))
      .execute();
    const res = await browser().post('/api/activation', activation(code));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('activation_failed');
  });

  it('answers 409 email_taken for an address that has an account, and keeps the code', async () => {
    const existing = await createUser(t.database.db, t.config, { roles: [] });
    const { code } = await patientWithCode();
    const res = await browser().post('/api/activation', activation(code, existing.email));
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toEqual({
      code: 'email_taken',
      message: "An account with this e-mail already exists. Sign in, or use 'Forgot password'.",
    });
    expect((await codeRow(code)).used_at).toBeNull();
  });

  it('refuses a password built from the name, and keeps the code', async () => {
    const { code, patient } = await patientWithCode();
    const res = await browser().post('/api/activation', {
      ...activation(code),
      password: `${patient.family_name} is my name`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('weak_password');
    expect((await codeRow(code)).used_at).toBeNull();
  });

  it.each([
    ['role', { role: 'system_admin' }],
    ['patientId', { patientId: '00000000-0000-4000-8000-000000000000' }],
    ['clinicId', { clinicId: '00000000-0000-4000-8000-000000000000' }],
  ])('refuses a body that sets %s (mass assignment), creating nothing', async (field, extra) => {
    const { code } = await patientWithCode();
    const email = newEmail();
    const res = await browser().post('/api/activation', { ...activation(code, email), ...extra });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'validation_failed',
      details: [{ field, message: 'is not a field this request accepts' }],
    });
    const users = await t.database.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .execute();
    expect(users).toEqual([]);
    expect((await codeRow(code)).used_at).toBeNull();
  });
});

describe('refusals', () => {
  it('give the same answer for every reason, and are audited with the reason', async () => {
    const unknown = newActivationCode();
    const { code: expired } = await patientWithCode();
    await t.database.db
      .updateTable('activation_codes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('code_hash', '=', hashActivationCode(expired))
      .execute();
    const { code: used } = await patientWithCode();
    expect((await browser().post('/api/activation', activation(used))).statusCode).toBe(200);
    const { code: revoked, patient } = await patientWithCode();
    await issueActivationCode(t.database.db, staffSource, {
      patientId: patient.id,
      issuedBy: staffId,
      publicUrl: t.config.publicUrl,
    });
    const { code: valid, patient: wrongDatePatient } = await patientWithCode();

    const attempts = [
      { code: unknown, birthDate: BIRTH_DATE },
      { code: expired, birthDate: BIRTH_DATE },
      { code: used, birthDate: BIRTH_DATE },
      { code: revoked, birthDate: BIRTH_DATE },
      { code: valid, birthDate: '1980-04-13' },
    ];
    const answers = [];
    for (const attempt of attempts) {
      const res = await browser().post('/api/activation/check', attempt);
      answers.push({ status: res.statusCode, body: res.body });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]?.status).toBe(400);
    expect(JSON.parse(answers[0]?.body ?? '{}').error.code).toBe('activation_failed');

    const refusals = await t.database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('resource_type', '=', 'ActivationCode')
      .where('action', '=', 'access_denied')
      .execute();
    const reasons = refusals.map((r) => (r.details as { reason: string }).reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['unknown', 'expired', 'used', 'revoked', 'birth_date']),
    );
    expect(refusals.every((r) => r.outcome === 'failure')).toBe(true);
    expect(refusals.find((r) => r.patient_id === wrongDatePatient.id)).toBeDefined();
  });

  it(`revoke a code after ${MAX_BIRTH_DATE_FAILURES} wrong birth dates`, async () => {
    const { code, patient } = await patientWithCode();
    for (let i = 1; i <= MAX_BIRTH_DATE_FAILURES; i++) {
      const res = await browser().post('/api/activation/check', {
        code,
        birthDate: `1990-01-0${i}`,
      });
      expect(res.statusCode).toBe(400);
    }
    const row = await codeRow(code);
    expect(row.failed_attempts).toBe(MAX_BIRTH_DATE_FAILURES);
    expect(row.revoked_at).toBeInstanceOf(Date);
    const right = await browser().post('/api/activation', activation(code));
    expect(right.statusCode).toBe(400);
    expect(right.json().error.code).toBe('activation_failed');
    expect((await auditOf(patient.id)).filter((e) => e.action === 'lockout')).toHaveLength(1);
  });

  it('stop after 10 attempts from one IP in 15 minutes, even with the right code', async () => {
    const { code } = await patientWithCode();
    const client = browser();
    for (let i = 0; i < 10; i++) {
      const res = await client.post('/api/activation/check', {
        code: newActivationCode(),
        birthDate: BIRTH_DATE,
      });
      expect(res.statusCode).toBe(400);
    }
    const limited = await client.post('/api/activation/check', { code, birthDate: BIRTH_DATE });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('too_many_attempts');
    expect((await client.post('/api/activation', activation(code))).statusCode).toBe(429);
    // Another address is not held back, and the code was not spent.
    expect(
      (await browser().post('/api/activation/check', { code, birthDate: BIRTH_DATE })).statusCode,
    ).toBe(200);
  });
});

describe('codes as people type them', () => {
  it('ignore case, dashes and spaces, and read O as 0 and I or L as 1', () => {
    const typing = fc.tuple(
      fc
        .array(fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), {
          minLength: 12,
          maxLength: 12,
        })
        .map(
          (cs) => `${cs.slice(0, 4).join('')}-${cs.slice(4, 8).join('')}-${cs.slice(8).join('')}`,
        ),
      fc.array(fc.constantFrom('', ' ', '-', '  '), { minLength: 13, maxLength: 13 }),
      fc.boolean(),
    );
    fc.assert(
      fc.property(typing, ([code, gaps, lower]) => {
        const plain = code.replace(/-/g, '');
        const typed = [...plain].map((c, i) => `${gaps[i]}${c}`).join('') + gaps[12];
        const cased = lower ? typed.toLowerCase() : typed;
        expect(normalizeCode(cased)).toBe(plain);
        expect(hashActivationCode(cased)).toBe(hashActivationCode(code));
      }),
    );
    expect(normalizeCode('o0il-1OLI')).toBe('00111011');
  });
});
