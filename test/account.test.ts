// The account page: settings, password change (step-up and the current
// password), e-mail change confirmed at the new address, open sessions, and
// who accessed my record.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_LOG_PAGE_SIZE } from '../src/modules/accounts/access-log-routes.ts';
import { describeDevice } from '../src/modules/accounts/device.ts';
import { verifyPassword } from '../src/modules/accounts/passwords.ts';
import type { Role } from '../src/modules/accounts/tables.ts';
import { type AuditSource, audit } from '../src/platform/audit/audit.ts';
import { createSession } from '../src/platform/auth/sessions.ts';
import { type TestApp, testApp } from './support/app.ts';
import { Client } from './support/client.ts';
import {
  createClinic,
  createPatient,
  createUser,
  signedInClient,
  TEST_PASSWORD,
} from './support/factories.ts';

let t: TestApp;
let clinic: { id: string; name: string };
beforeAll(async () => {
  t = await testApp();
  clinic = await createClinic(t.database.db);
});
afterAll(() => t.close());

const NEW_PASSWORD = 'an entirely different sentence';

async function patientUser() {
  const patient = await createPatient(t.database.db, { clinicId: clinic.id });
  const user = await createUser(t.database.db, t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patient.id,
  });
  return { patient, user };
}

const userRow = (id: string) =>
  t.database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const mailsTo = (address: string) =>
  t.database.db
    .selectFrom('mail_outbox')
    .selectAll()
    .where('to_address', '=', address)
    .orderBy('created_at')
    .execute();

const auditRows = (userId: string, resourceType: string) =>
  t.database.db
    .selectFrom('audit_events')
    .selectAll()
    .where('actor_user_id', '=', userId)
    .where('resource_type', '=', resourceType)
    .orderBy('id')
    .execute();

/** Makes the session's last re-authentication older than the step-up window. */
const staleReauth = (userId: string) =>
  t.database.db
    .updateTable('sessions')
    .set({ reauthenticated_at: new Date(Date.now() - 10 * 60_000) })
    .where('user_id', '=', userId)
    .execute();

describe('settings', () => {
  it('show my e-mail, name, language and second factors', async () => {
    const { user, patient } = await patientUser();
    await t.database.db
      .insertInto('recovery_codes')
      .values(['a', 'b', 'c'].map((c) => ({ user_id: user.id, code_hash: c })))
      .execute();
    await t.database.db
      .updateTable('recovery_codes')
      .set({ used_at: new Date() })
      .where('user_id', '=', user.id)
      .where('code_hash', '=', 'a')
      .execute();
    await t.database.db
      .insertInto('passkeys')
      .values({
        id: `pk-${user.id}`,
        user_id: user.id,
        public_key: new Uint8Array([1]),
        counter: 0,
        transports: [],
        name: 'Phone',
      })
      .execute();
    const res = await (await signedInClient(t, user)).get('/api/account');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      email: user.email,
      displayName: expect.any(String),
      language: 'en',
      mfa: { totp: false, passkeys: 1, recoveryCodesLeft: 2, declined: false },
      patientId: patient.id,
    });
  });

  it('change language and display name, audited', async () => {
    const { user } = await patientUser();
    const client = await signedInClient(t, user);
    const res = await client.patch('/api/account', { language: 'es', displayName: '  Rosa  ' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ language: 'es', displayName: 'Rosa' });
    expect(await userRow(user.id)).toMatchObject({ language: 'es', display_name: 'Rosa' });
    expect(await auditRows(user.id, 'Account')).toMatchObject([
      { action: 'update', details: { fields: ['displayName', 'language'] } },
    ]);
    const blank = await client.patch('/api/account', { displayName: '   ' });
    expect(blank.statusCode).toBe(400);
  });

  it.each([
    ['role', 'system_admin'],
    ['patientId', '00000000-0000-4000-8000-000000000000'],
    ['clinicId', '00000000-0000-4000-8000-000000000000'],
    ['email', 'someone-else@example.org'],
  ])('refuse %s in the body (mass assignment) and change nothing', async (field, value) => {
    const { user } = await patientUser();
    const before = await userRow(user.id);
    const res = await (await signedInClient(t, user)).patch('/api/account', {
      language: 'es',
      [field]: value,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      { field, message: 'is not a field this request accepts' },
    ]);
    expect(await userRow(user.id)).toEqual(before);
    const roles = await t.database.db
      .selectFrom('user_roles')
      .select(['role', 'clinic_id'])
      .where('user_id', '=', user.id)
      .execute();
    expect(roles).toEqual([{ role: 'patient', clinic_id: null }]);
  });

  it('need a signed-in user', async () => {
    expect((await new Client(t.app).get('/api/account')).statusCode).toBe(401);
  });

  it('do not let staff rename themselves, audited; their language they may change', async () => {
    const nurse = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId: clinic.id }],
      name: 'Nora Nightingale',
    });
    const client = await signedInClient(t, nurse);
    const res = await client.patch('/api/account', { displayName: 'Dr Quinn' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({
      code: 'staff_name_managed',
      message: expect.stringMatching(/administrator/),
    });
    expect(await userRow(nurse.id)).toMatchObject({ display_name: 'Nora Nightingale' });
    expect(await auditRows(nurse.id, 'Account')).toMatchObject([
      { action: 'access_denied', outcome: 'failure', details: { fields: ['displayName'] } },
    ]);
    // The settings form sends the name along, unchanged.
    const language = await client.patch('/api/account', {
      displayName: 'Nora Nightingale',
      language: 'es',
    });
    expect(language.statusCode).toBe(200);
    expect(await userRow(nurse.id)).toMatchObject({
      display_name: 'Nora Nightingale',
      language: 'es',
    });
  });
});

describe('changing the password', () => {
  it('needs a recent sign-in', async () => {
    const { user } = await patientUser();
    const client = await signedInClient(t, user);
    await staleReauth(user.id);
    const res = await client.put('/api/account/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('reauthentication_required');
  });

  it('needs the current password, and audits a wrong one', async () => {
    const { user } = await patientUser();
    const client = await signedInClient(t, user);
    const res = await client.put('/api/account/password', {
      currentPassword: 'not my password at all',
      newPassword: NEW_PASSWORD,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('wrong_password');
    expect(await verifyPassword((await userRow(user.id)).password_hash ?? '', TEST_PASSWORD)).toBe(
      true,
    );
    expect(await auditRows(user.id, 'Password')).toMatchObject([
      { action: 'update', outcome: 'failure' },
    ]);
  });

  it('sets it, ends my other sessions but not this one, and tells me', async () => {
    const { user } = await patientUser();
    const other = await signedInClient(t, user);
    const client = await signedInClient(t, user);
    const res = await client.put('/api/account/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ message: expect.any(String), otherSessionsEnded: 1 });
    expect(await verifyPassword((await userRow(user.id)).password_hash ?? '', NEW_PASSWORD)).toBe(
      true,
    );
    expect((await other.get('/api/account')).statusCode).toBe(401);
    expect((await client.get('/api/account')).statusCode).toBe(200);
    expect((await mailsTo(user.email)).map((m) => m.subject)).toEqual([
      'Your password was changed',
    ]);
    expect(await auditRows(user.id, 'Password')).toMatchObject([
      { action: 'update', outcome: 'success' },
    ]);
  });

  it('applies the password rules', async () => {
    const { user } = await patientUser();
    const res = await (await signedInClient(t, user)).put('/api/account/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'too short',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('weak_password');
  });
});

describe('changing the e-mail address', () => {
  const confirmToken = async (address: string) => {
    const body = (await mailsTo(address)).at(-1)?.body ?? '';
    const link = body.match(/https?:\/\/\S+/)?.[0] ?? '';
    expect(link.startsWith(`${t.config.publicUrl}/confirm-email#token=`)).toBe(true);
    return new URL(link).hash.replace('#token=', '');
  };

  it('needs a recent sign-in', async () => {
    const { user } = await patientUser();
    const client = await signedInClient(t, user);
    await staleReauth(user.id);
    const res = await client.post('/api/account/email', { newEmail: 'new@example.org' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('reauthentication_required');
  });

  it('changes only once the link mailed to the new address is opened', async () => {
    const { user } = await patientUser();
    const client = await signedInClient(t, user);
    const newEmail = `moved-${Date.now()}@example.org`;
    const res = await client.post('/api/account/email', { newEmail: newEmail.toUpperCase() });
    expect(res.statusCode).toBe(202);
    expect((await userRow(user.id)).email).toBe(user.email);
    expect((await mailsTo(user.email)).map((m) => m.subject)).toEqual([
      'A change of your e-mail address was requested',
    ]);
    const token = await confirmToken(newEmail);

    const confirm = await new Client(t.app).post('/api/account/email/confirm', { token });
    expect(confirm.statusCode).toBe(200);
    expect((await userRow(user.id)).email).toBe(newEmail);
    expect((await mailsTo(user.email)).map((m) => m.subject)).toEqual([
      'A change of your e-mail address was requested',
      'Your e-mail address was changed',
    ]);
    expect((await client.get('/api/account')).json().email).toBe(newEmail);
    const again = await new Client(t.app).post('/api/account/email/confirm', { token });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('invalid_token');
    expect(
      (await auditRows(user.id, 'EmailAddress')).map((r) => (r.details as { step: string }).step),
    ).toEqual(['requested', 'confirmed']);
  });

  it('answers the same for a taken address, and tells that address it has an account', async () => {
    const { user } = await patientUser();
    const holder = await createUser(t.database.db, t.config, { roles: [] });
    const res = await (await signedInClient(t, user)).post('/api/account/email', {
      newEmail: holder.email,
    });
    expect(res.statusCode).toBe(202);
    const [mail] = await mailsTo(holder.email);
    expect(mail?.subject).toBe('This address already has an account');
    expect(mail?.body).not.toContain('#token=');
    const tokens = await t.database.db
      .selectFrom('one_time_tokens')
      .select('token_hash')
      .where('user_id', '=', user.id)
      .execute();
    expect(tokens).toEqual([]);
    expect((await userRow(user.id)).email).toBe(user.email);
  });

  it('refuses a made-up token', async () => {
    const res = await new Client(t.app).post('/api/account/email/confirm', { token: 'nope' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_token');
  });
});

describe('sessions', () => {
  const CHROME_ANDROID =
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';

  it('lists my open sessions with device, IP and which one is this', async () => {
    const { user } = await patientUser();
    const phone = await signedInClient(t, user);
    await t.database.db
      .updateTable('sessions')
      .set({ user_agent: CHROME_ANDROID })
      .where('user_id', '=', user.id)
      .execute();
    const laptop = await signedInClient(t, user);
    // Neither an ended session nor one past its idle timeout is open.
    const closed = [
      { ended_at: new Date(), end_reason: 'sign_out' as const },
      { last_seen_at: new Date(Date.now() - 60 * 60_000) },
    ];
    for (const change of closed) {
      const { id } = await createSession(t.database.db, {
        userId: user.id,
        idleMinutes: 15,
        maxHours: 12,
        mfaVerified: true,
        ip: null,
        userAgent: null,
      });
      await t.database.db.updateTable('sessions').set(change).where('id', '=', id).execute();
    }
    const stranger = await patientUser();
    await signedInClient(t, stranger.user);

    const res = await laptop.get('/api/account/sessions');
    expect(res.statusCode).toBe(200);
    const { sessions } = res.json();
    expect(sessions).toHaveLength(2);
    const current = sessions.find((s: { current: boolean }) => s.current);
    expect(current).toMatchObject({ device: 'Unknown device', ip: '203.0.113.10' });
    expect(sessions.find((s: { current: boolean }) => !s.current)).toMatchObject({
      device: 'Chrome on Android',
      createdAt: expect.any(String),
      lastSeenAt: expect.any(String),
    });
    expect((await phone.get('/api/account')).statusCode).toBe(200);
  });

  it('end one of mine, but answer 404 for anyone else’s', async () => {
    const { user } = await patientUser();
    const other = await signedInClient(t, user);
    const client = await signedInClient(t, user);
    const stranger = await patientUser();
    const strangerClient = await signedInClient(t, stranger.user);
    const ids = await t.database.db
      .selectFrom('sessions')
      .select(['id', 'user_id', 'created_at'])
      .where('user_id', 'in', [user.id, stranger.user.id])
      .orderBy('created_at')
      .execute();
    const otherId = ids.find((s) => s.user_id === user.id)?.id;
    const strangerId = ids.find((s) => s.user_id === stranger.user.id)?.id;

    const refused = await client.delete(`/api/account/sessions/${strangerId}`);
    expect(refused.statusCode).toBe(404);
    expect((await strangerClient.get('/api/account')).statusCode).toBe(200);
    expect(await auditRows(user.id, 'Session')).toMatchObject([
      { action: 'access_denied', outcome: 'failure' },
    ]);

    const res = await client.delete(`/api/account/sessions/${otherId}`);
    expect(res.statusCode).toBe(204);
    expect((await other.get('/api/account')).statusCode).toBe(401);
    expect((await client.get('/api/account')).statusCode).toBe(200);
    expect((await auditRows(user.id, 'Session')).at(-1)).toMatchObject({
      action: 'sign_out',
      resource_id: otherId,
      outcome: 'success',
    });
  });

  it('sign out everywhere else', async () => {
    const { user } = await patientUser();
    const others = [await signedInClient(t, user), await signedInClient(t, user)];
    const client = await signedInClient(t, user);
    const res = await client.delete('/api/account/sessions');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ended: 2 });
    for (const other of others) expect((await other.get('/api/account')).statusCode).toBe(401);
    expect((await client.get('/api/account')).statusCode).toBe(200);
    const reasons = await t.database.db
      .selectFrom('sessions')
      .select('end_reason')
      .where('user_id', '=', user.id)
      .where('ended_at', 'is not', null)
      .execute();
    expect(reasons).toEqual([
      { end_reason: 'sign_out_everywhere' },
      { end_reason: 'sign_out_everywhere' },
    ]);
  });

  it('name devices briefly', () => {
    const cases: [string, string][] = [
      [CHROME_ANDROID, 'Chrome on Android'],
      [
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
        'Safari on iPhone',
      ],
      [
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
        'Edge on Windows',
      ],
      [
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0',
        'Firefox on macOS',
      ],
      ['curl/8.5.0', 'Unknown device'],
    ];
    for (const [ua, name] of cases) expect(describeDevice(ua)).toBe(name);
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (ua) => {
        const name = describeDevice(ua);
        expect(name.length).toBeLessThanOrEqual(30);
        expect(name.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('who accessed my record', () => {
  const staffSource = (userId: string, role: Role): AuditSource => ({
    actorUserId: userId,
    actorRole: role,
    actingForPatientId: null,
    ip: '10.0.0.5',
    userAgent: 'staff-browser',
    requestId: 'staff-req',
  });

  it('shows staff who viewed the record, newest first, and not other patients’ events', async () => {
    const { user, patient } = await patientUser();
    const other = await patientUser();
    const nurse = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId: clinic.id }],
      name: 'Nurse Ratched',
    });
    const provider = await createUser(t.database.db, t.config, {
      roles: [{ role: 'provider', clinicId: clinic.id }],
      name: 'Dr Quinn',
    });
    // As a staff route records its reads: in the trail, with a staff actor.
    await audit(t.database.db, staffSource(nurse.id, 'nurse'), {
      action: 'view',
      resourceType: 'Patient',
      resourceId: patient.id,
      patientId: patient.id,
      clinicId: clinic.id,
    });
    await audit(t.database.db, staffSource(provider.id, 'provider'), {
      action: 'update',
      resourceType: 'Patient',
      patientId: patient.id,
    });
    await audit(t.database.db, staffSource(nurse.id, 'nurse'), {
      action: 'view',
      resourceType: 'Patient',
      patientId: other.patient.id,
      clinicId: clinic.id,
    });
    const client = await signedInClient(t, user);
    // The patient's own activity is not "access by staff".
    await client.get('/api/account/access-log');

    const res = await client.get('/api/account/access-log');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      page: 1,
      pageSize: ACCESS_LOG_PAGE_SIZE,
      hasMore: false,
      entries: [
        {
          at: expect.any(String),
          staffName: 'Dr Quinn',
          roles: ['provider'],
          clinic: clinic.name,
          action: 'update',
          resourceType: 'Patient',
          outcome: 'success',
        },
        {
          at: expect.any(String),
          staffName: 'Nurse Ratched',
          roles: ['nurse'],
          clinic: clinic.name,
          action: 'view',
          resourceType: 'Patient',
          outcome: 'success',
        },
      ],
    });
    const reads = await auditRows(user.id, 'AccessLog');
    expect(reads).toHaveLength(2);
    expect(reads[0]).toMatchObject({ action: 'view', patient_id: patient.id });

    const theirs = (
      await (await signedInClient(t, other.user)).get('/api/account/access-log')
    ).json();
    expect(theirs.entries).toHaveLength(1);
  });

  it('pages', async () => {
    const { user, patient } = await patientUser();
    const nurse = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId: clinic.id }],
    });
    for (let i = 0; i < ACCESS_LOG_PAGE_SIZE + 3; i++)
      await audit(t.database.db, staffSource(nurse.id, 'nurse'), {
        action: 'view',
        resourceType: 'Patient',
        resourceId: String(i),
        patientId: patient.id,
        clinicId: clinic.id,
      });
    const client = await signedInClient(t, user);
    const first = (await client.get('/api/account/access-log')).json();
    const second = (await client.get('/api/account/access-log?page=2')).json();
    expect(first).toMatchObject({ page: 1, hasMore: true });
    expect(first.entries).toHaveLength(ACCESS_LOG_PAGE_SIZE);
    expect(second).toMatchObject({ page: 2, hasMore: false });
    expect(second.entries).toHaveLength(3);
    expect((await client.get('/api/account/access-log?page=0')).statusCode).toBe(400);
  });

  it('is there for a proxy acting for the patient, and not for an account without a record', async () => {
    const { patient } = await patientUser();
    const nurse = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId: clinic.id }],
    });
    await audit(t.database.db, staffSource(nurse.id, 'nurse'), {
      action: 'view',
      resourceType: 'Patient',
      patientId: patient.id,
    });
    const caregiver = await createUser(t.database.db, t.config, {
      roles: [{ role: 'proxy', clinicId: null }],
    });
    await t.database.db
      .insertInto('proxy_grants')
      .values({
        proxy_user_id: caregiver.id,
        patient_id: patient.id,
        relationship: 'caregiver',
        expires_at: new Date(Date.now() + 86_400_000),
        granted_by: nurse.id,
      })
      .execute();
    const proxy = await signedInClient(t, caregiver, { actingForPatientId: patient.id });
    const res = await proxy.get('/api/account/access-log');
    expect(res.statusCode).toBe(200);
    expect(res.json().entries).toHaveLength(1);

    const staff = await signedInClient(t, nurse);
    const none = await staff.get('/api/account/access-log');
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('no_patient_record');
  });
});

describe('who accessed my record, as it was recorded', () => {
  async function staffClient(name: string) {
    const user = await createUser(t.database.db, t.config, {
      roles: [{ role: 'nurse', clinicId: clinic.id }],
      name,
    });
    return { user, client: await signedInClient(t, user) };
  }
  const staffNames = async (client: Client) =>
    (await client.get('/api/account/access-log'))
      .json()
      .entries.map((e: { staffName: string; roles: string[] }) => [e.staffName, e.roles]);

  it('keeps the name the staff member had, even after a rename', async () => {
    const { user, patient } = await patientUser();
    const nurse = await staffClient('Nurse Ratched');
    expect((await nurse.client.get(`/api/staff/patients/${patient.id}`)).statusCode).toBe(200);
    // Were a name to change (an administrator's correction, or a bypass), history stays.
    await t.database.db
      .updateTable('users')
      .set({ display_name: 'Dr Quinn' })
      .where('id', '=', nurse.user.id)
      .execute();
    const row = await t.database.db
      .selectFrom('audit_events')
      .select('actor_name')
      .where('actor_user_id', '=', nurse.user.id)
      .where('patient_id', '=', patient.id)
      .executeTakeFirstOrThrow();
    expect(row.actor_name).toBe('Nurse Ratched');
    expect(await staffNames(await signedInClient(t, user))).toEqual([['Nurse Ratched', ['nurse']]]);
  });

  it('lists people by the role they acted in then, not the roles they hold today', async () => {
    const { user, patient } = await patientUser();
    const former = await staffClient('Former Staffer');
    await former.client.get(`/api/staff/patients/${patient.id}`);
    // Left the clinic since: the look at the record still shows.
    await t.database.db.deleteFrom('user_roles').where('user_id', '=', former.user.id).execute();
    // A caregiver who later joins the staff: what they did as a caregiver is not "staff access".
    const caregiver = await createUser(t.database.db, t.config, {
      roles: [{ role: 'proxy', clinicId: null }],
      name: 'Carer Later-Staff',
    });
    await audit(
      t.database.db,
      {
        actorUserId: caregiver.id,
        actorRole: 'proxy',
        actorName: 'Carer Later-Staff',
        actingForPatientId: patient.id,
        ip: null,
        userAgent: null,
        requestId: null,
      },
      { action: 'view', resourceType: 'Patient', patientId: patient.id },
    );
    await t.database.db
      .insertInto('user_roles')
      .values({ user_id: caregiver.id, role: 'nurse', clinic_id: clinic.id })
      .execute();
    expect(await staffNames(await signedInClient(t, user))).toEqual([
      ['Former Staffer', ['nurse']],
    ]);
  });
});
