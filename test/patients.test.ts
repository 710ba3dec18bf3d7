// Staff work with patients: search only within their clinics (the search
// text in a POST body, never a URL), open a record, and issue activation
// codes; every read and refusal is audited, and a search names whom it found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashActivationCode } from '../src/modules/accounts/activation.ts';
import { parseQuery, prefixPattern } from '../src/modules/patients/search.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';

let t: TestApp;
let riverside: { id: string; name: string };
let prairie: { id: string; name: string };
let desk: Client;
let deskId: string;
let prairieNurse: Client;

const db = () => t.database.db;
const auditRows = (actor: string, action: string) =>
  db()
    .selectFrom('audit_events')
    .selectAll()
    .where('actor_user_id', '=', actor)
    .where('action', '=', action as never)
    .orderBy('id')
    .execute();

async function staff(role: 'front_desk' | 'nurse' | 'support_agent', clinicId: string | null) {
  const user = await createUser(db(), t.config, { roles: [{ role, clinicId }] });
  return { user, client: await signedInClient(t, user) };
}

beforeAll(async () => {
  t = await testApp();
  riverside = await createClinic(db(), 'Riverside');
  prairie = await createClinic(db(), 'Prairie');
  const d = await staff('front_desk', riverside.id);
  desk = d.client;
  deskId = d.user.id;
  prairieNurse = (await staff('nurse', prairie.id)).client;
});
afterAll(() => t.close());

const search = (client: Client, q: string, extra: Record<string, unknown> = {}) =>
  client.post('/api/staff/patients/search', { q, ...extra });

describe('patient search', () => {
  let zeller: { id: string };
  let mrn: string;
  beforeAll(async () => {
    zeller = await createPatient(db(), {
      clinicId: riverside.id,
      givenName: 'Anabel',
      familyName: 'Zellweger',
      birthDate: '1971-02-03',
    });
    await createPatient(db(), {
      clinicId: prairie.id,
      givenName: 'Anabel',
      familyName: 'Zellner',
      birthDate: '1971-02-03',
    });
    const row = await db()
      .selectFrom('patient_clinics')
      .select('mrn')
      .where('patient_id', '=', zeller.id)
      .executeTakeFirstOrThrow();
    mrn = row.mrn;
  });

  it.each([
    ['a family-name prefix in any case', 'zELLw'],
    ['"family, given"', 'Zellweger, Ana'],
    ['"given family"', 'anabel zell'],
    ['a given-name prefix', 'Anab'],
    ['the birth date', '1971-02-03'],
  ])('finds by %s, only at the staff member’s clinics', async (_, q) => {
    const res = await search(desk, q);
    expect(res.statusCode).toBe(200);
    const ids = res.json().patients.map((p: { id: string }) => p.id);
    expect(ids).toContain(zeller.id);
    expect(
      res
        .json()
        .patients.every((p: { clinics: { clinicId: string }[] }) =>
          p.clinics.every((c) => c.clinicId === riverside.id),
        ),
    ).toBe(true);
    expect(
      res.json().patients.map((p: { name: { family: string } }) => p.name.family),
    ).not.toContain('Zellner');
  });

  it('finds by MRN, in any case', async () => {
    const res = await search(desk, mrn.toLowerCase());
    expect(res.json().patients).toMatchObject([
      {
        id: zeller.id,
        name: { given: 'Anabel', family: 'Zellweger' },
        birthDate: '1971-02-03',
        clinics: [{ clinicId: riverside.id, clinicName: 'Riverside', mrn }],
        accountState: 'none',
      },
    ]);
  });

  it('treats % and _ as plain characters', async () => {
    expect((await search(desk, '%%')).json().total).toBe(0);
    expect((await search(desk, 'Zell_eger')).json().total).toBe(0);
  });

  it('audits the search with its result count and whom it found, never the search text', async () => {
    const before = (await auditRows(deskId, 'query')).length;
    await search(desk, 'Zellweger');
    const rows = (await auditRows(deskId, 'query')).slice(before);
    expect(rows).toMatchObject([
      {
        outcome: 'success',
        resource_type: 'Patient',
        patient_id: null,
        details: { resultCount: 1 },
      },
      {
        outcome: 'success',
        resource_type: 'Patient',
        resource_id: zeller.id,
        patient_id: zeller.id,
        clinic_id: riverside.id,
      },
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/zellweger/i);
  });

  it('keeps the search text out of the URL: it is a POST, and the old GET is gone', async () => {
    expect((await desk.get('/api/staff/patients?q=Zellweger')).statusCode).toBe(404);
    const route = t.app.routeTable.find((r) => r.url === '/api/staff/patients/search');
    expect(route?.method).toBe('POST');
  });

  it('shows in the patient’s access log: searched and found', async () => {
    const patient = await createPatient(db(), {
      clinicId: riverside.id,
      givenName: 'Found',
      familyName: 'Findlater',
    });
    const user = await createUser(db(), t.config, {
      roles: [{ role: 'patient', clinicId: null }],
      patientId: patient.id,
    });
    const searcher = await createUser(db(), t.config, {
      roles: [{ role: 'front_desk', clinicId: riverside.id }],
      name: 'Desk Searcher',
    });
    expect((await search(await signedInClient(t, searcher), 'Findlater')).json().total).toBe(1);
    const log = (await (await signedInClient(t, user)).get('/api/account/access-log')).json();
    expect(log.entries).toMatchObject([
      { staffName: 'Desk Searcher', action: 'query', resourceType: 'Patient', clinic: 'Riverside' },
    ]);
  });

  it('pages by 20 with the total', async () => {
    for (let i = 0; i < 23; i++)
      await createPatient(db(), {
        clinicId: riverside.id,
        givenName: `Pat${String(i).padStart(2, '0')}`,
        familyName: 'Pagington',
      });
    const first = (await search(desk, 'Pagington')).json();
    expect(first).toMatchObject({ total: 23, page: 1, pageSize: 20 });
    expect(first.patients).toHaveLength(20);
    const second = (await search(desk, 'Pagington', { page: 2 })).json();
    expect(second.patients).toHaveLength(3);
    const all = [...first.patients, ...second.patients].map((p) => p.name.given);
    expect(new Set(all).size).toBe(23);
    expect(all).toEqual([...all].sort());
  });

  it('narrows to one of the staff member’s clinics, and refuses another clinic', async () => {
    const ok = await search(desk, 'Zell', { clinicId: riverside.id });
    expect(ok.json().total).toBe(1);
    const res = await search(desk, 'Zell', { clinicId: prairie.id });
    expect(res.statusCode).toBe(403);
    expect(await auditRows(deskId, 'access_denied')).toContainEqual(
      expect.objectContaining({ clinic_id: prairie.id, outcome: 'failure' }),
    );
  });

  it('lets group-wide support search every clinic', async () => {
    const { client } = await staff('support_agent', null);
    const names = (await search(client, 'Anabel'))
      .json()
      .patients.map((p: { name: { family: string } }) => p.name.family);
    expect(names).toEqual(expect.arrayContaining(['Zellweger', 'Zellner']));
  });

  it('refuses patients and a too-short or unknown query field', async () => {
    const patient = await createPatient(db(), { clinicId: riverside.id });
    const user = await createUser(db(), t.config, {
      roles: [{ role: 'patient', clinicId: null }],
      patientId: patient.id,
    });
    expect((await search(await signedInClient(t, user), 'Zell')).statusCode).toBe(403);
    expect((await search(desk, 'Z')).statusCode).toBe(400);
    expect((await search(desk, ' ,  ')).json().error.code).toBe('unsearchable_query');
    expect((await search(desk, '1990-02-30')).json().error.code).toBe('unsearchable_query');
    const res = await search(desk, 'Zell', { role: 'system_admin' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toContainEqual(expect.objectContaining({ field: 'role' }));
  });
});

describe('account state', () => {
  it('is none, invited, active or locked', async () => {
    const family = 'Statesworth';
    const none = await createPatient(db(), {
      clinicId: riverside.id,
      familyName: family,
      givenName: 'None',
    });
    const invited = await createPatient(db(), {
      clinicId: riverside.id,
      familyName: family,
      givenName: 'Invited',
    });
    const active = await createPatient(db(), {
      clinicId: riverside.id,
      familyName: family,
      givenName: 'Active',
    });
    const locked = await createPatient(db(), {
      clinicId: riverside.id,
      familyName: family,
      givenName: 'Locked',
    });
    expect(
      (await desk.post(`/api/staff/patients/${invited.id}/activation-codes`, {})).statusCode,
    ).toBe(200);
    await createUser(db(), t.config, {
      roles: [{ role: 'patient', clinicId: null }],
      patientId: active.id,
    });
    const lockedUser = await createUser(db(), t.config, {
      roles: [{ role: 'patient', clinicId: null }],
      patientId: locked.id,
    });
    await db()
      .updateTable('users')
      .set({ locked_until: new Date(Date.now() + 3_600_000), failed_sign_ins: 7 })
      .where('id', '=', lockedUser.id)
      .execute();
    const states = Object.fromEntries(
      (await search(desk, family))
        .json()
        .patients.map((p: { id: string; accountState: string }) => [p.id, p.accountState]),
    );
    expect(states).toEqual({
      [none.id]: 'none',
      [invited.id]: 'invited',
      [active.id]: 'active',
      [locked.id]: 'locked',
    });
  });
});

describe('patient record', () => {
  it('shows demographics, clinics, account, open code and proxies, audited as a view', async () => {
    const patient = await createPatient(db(), {
      clinicId: riverside.id,
      givenName: 'Rec',
      familyName: 'Ordway',
      email: 'rec.ordway@example.org',
    });
    await db()
      .insertInto('patient_clinics')
      .values({ patient_id: patient.id, clinic_id: prairie.id, mrn: `P-${patient.id.slice(0, 8)}` })
      .execute();
    const issued = (
      await desk.post(`/api/staff/patients/${patient.id}/activation-codes`, {})
    ).json();
    const res = await desk.get(`/api/staff/patients/${patient.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body).toMatchObject({
      patient: {
        id: patient.id,
        name: { given: 'Rec', family: 'Ordway' },
        email: 'rec.ordway@example.org',
      },
      account: null,
      activationCode: { expiresAt: issued.expiresAt },
      proxies: [],
    });
    // Minimum necessary: only the registrations at the desk's own clinics.
    expect(body.clinics.map((c: { clinicId: string }) => c.clinicId)).toEqual([riverside.id]);
    expect(JSON.stringify(body)).not.toContain(issued.code);
    expect(await auditRows(deskId, 'view')).toContainEqual(
      expect.objectContaining({
        patient_id: patient.id,
        resource_type: 'Patient',
        outcome: 'success',
      }),
    );
  });

  it('is not found for staff of another clinic, and the attempt is audited', async () => {
    const patient = await createPatient(db(), { clinicId: riverside.id });
    const res = await prairieNurse.get(`/api/staff/patients/${patient.id}`);
    expect(res.statusCode).toBe(404);
    const denied = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'access_denied')
      .where('patient_id', '=', patient.id)
      .execute();
    expect(denied).toMatchObject([{ outcome: 'failure', resource_type: 'Patient' }]);
  });
});

describe('activation codes', () => {
  it('are issued once with a letter to print, stored hashed', async () => {
    const patient = await createPatient(db(), {
      clinicId: riverside.id,
      givenName: 'Letty',
      familyName: 'Printwell',
    });
    const res = await desk.post(`/api/staff/patients/${patient.id}/activation-codes`, {});
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.letter).toEqual({
      patientName: 'Letty Printwell',
      clinicName: 'Riverside',
      clinicPhone: '+1-555-0100',
      activateUrl: `${t.config.publicUrl}/activate`,
    });
    expect(body.letter.activateUrl).not.toContain(body.code);
    const rows = await db()
      .selectFrom('activation_codes')
      .selectAll()
      .where('patient_id', '=', patient.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.code_hash).toBe(hashActivationCode(body.code));
    expect(JSON.stringify(rows)).not.toContain(body.code);
    expect(await auditRows(deskId, 'create')).toContainEqual(
      expect.objectContaining({ resource_type: 'ActivationCode', patient_id: patient.id }),
    );
  });

  it('are e-mailed on request, with the link and no patient data', async () => {
    const patient = await createPatient(db(), {
      clinicId: riverside.id,
      familyName: 'Mailsworth',
      email: 'mailsworth@example.org',
    });
    const res = await desk.post(`/api/staff/patients/${patient.id}/activation-codes`, {
      sendEmail: true,
    });
    expect(res.statusCode).toBe(200);
    const mail = await db()
      .selectFrom('mail_outbox')
      .selectAll()
      .where('to_address', '=', 'mailsworth@example.org')
      .executeTakeFirstOrThrow();
    expect(mail.body).toContain(res.json().code);
    expect(`${mail.subject} ${mail.body}`).not.toMatch(/Mailsworth/);
  });

  it('are refused to nurses, to other clinics, and for a patient with an account', async () => {
    const patient = await createPatient(db(), { clinicId: riverside.id });
    const nurse = (await staff('nurse', riverside.id)).client;
    expect(
      (await nurse.post(`/api/staff/patients/${patient.id}/activation-codes`, {})).statusCode,
    ).toBe(403);
    const otherDesk = (await staff('front_desk', prairie.id)).client;
    expect(
      (await otherDesk.post(`/api/staff/patients/${patient.id}/activation-codes`, {})).statusCode,
    ).toBe(404);
    await createUser(db(), t.config, {
      roles: [{ role: 'patient', clinicId: null }],
      patientId: patient.id,
    });
    const res = await desk.post(`/api/staff/patients/${patient.id}/activation-codes`, {});
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('already_activated');
  });
});

describe('search text', () => {
  it('is read as a birth date, "family, given", "given family" or one name/MRN', () => {
    expect(parseQuery(' 1990-01-31 ')).toEqual({ kind: 'birthDate', date: '1990-01-31' });
    expect(parseQuery('Smith,  Jo')).toMatchObject({
      first: 'Smith',
      rest: 'Jo',
      commaSeparated: true,
    });
    expect(parseQuery('jo  smith')).toMatchObject({
      first: 'jo',
      rest: 'smith',
      commaSeparated: false,
    });
    expect(parseQuery('RFM-1')).toMatchObject({ first: 'RFM-1', rest: null });
    for (const tooLittle of [', ', ' , Jo', 'x', ' ,,', '1990-02-30', '2001-13-01'])
      expect(parseQuery(tooLittle), tooLittle).toBeNull();
    expect(prefixPattern('50%_a\\')).toBe('50\\%\\_a\\\\%');
  });
});

describe('locked accounts', () => {
  async function lockedUser(options: { patientAt?: string; staffAt?: string }) {
    const patient = options.patientAt
      ? await createPatient(db(), { clinicId: options.patientAt })
      : undefined;
    const user = await createUser(db(), t.config, {
      roles: options.staffAt
        ? [{ role: 'nurse', clinicId: options.staffAt }]
        : [{ role: 'patient', clinicId: null }],
      patientId: patient?.id,
    });
    const until = new Date(Date.now() + 3_600_000);
    await db()
      .updateTable('users')
      .set({ locked_until: until, failed_sign_ins: 9 })
      .where('id', '=', user.id)
      .execute();
    await db()
      .insertInto('sign_in_throttle')
      .values({ key: `email:${user.email}`, failures: 9, locked_until: until })
      .execute();
    return user;
  }

  const lockedIds = async (client: Client) => {
    const res = await client.get('/api/staff/locked-accounts');
    expect(res.statusCode).toBe(200);
    return res.json().accounts.map((a: { userId: string }) => a.userId);
  };

  it('are listed to clinic admins for their clinics only, and to support for all', async () => {
    const here = await lockedUser({ patientAt: riverside.id });
    const colleague = await lockedUser({ staffAt: riverside.id });
    const there = await lockedUser({ patientAt: prairie.id });
    const admin = await createUser(db(), t.config, {
      roles: [{ role: 'clinic_admin', clinicId: riverside.id }],
    });
    const adminIds = await lockedIds(await signedInClient(t, admin));
    expect(adminIds).toEqual(expect.arrayContaining([here.id, colleague.id]));
    expect(adminIds).not.toContain(there.id);
    const support = (await staff('support_agent', null)).client;
    expect(await lockedIds(support)).toEqual(
      expect.arrayContaining([here.id, colleague.id, there.id]),
    );
    expect((await desk.get('/api/staff/locked-accounts')).statusCode).toBe(403);
  });

  it('unlock clears the lock and the throttle, audited; out of scope is not found', async () => {
    const user = await lockedUser({ patientAt: riverside.id });
    const other = await lockedUser({ patientAt: prairie.id });
    const admin = await createUser(db(), t.config, {
      roles: [{ role: 'clinic_admin', clinicId: riverside.id }],
    });
    const client = await signedInClient(t, admin);
    const res = await client.post(`/api/staff/accounts/${user.id}/unlock`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ unlocked: true });
    const row = await db()
      .selectFrom('users')
      .selectAll()
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ locked_until: null, failed_sign_ins: 0 });
    const throttle = await db()
      .selectFrom('sign_in_throttle')
      .selectAll()
      .where('key', '=', `email:${user.email}`)
      .execute();
    expect(throttle).toEqual([]);
    expect(await auditRows(admin.id, 'unlock')).toMatchObject([
      { resource_type: 'User', resource_id: user.id, outcome: 'success' },
    ]);
    expect(await lockedIds(client)).not.toContain(user.id);

    expect((await client.post(`/api/staff/accounts/${other.id}/unlock`)).statusCode).toBe(404);
    expect(await auditRows(admin.id, 'access_denied')).toMatchObject([
      { resource_id: other.id, outcome: 'failure' },
    ]);
    const still = await db()
      .selectFrom('users')
      .selectAll()
      .where('id', '=', other.id)
      .executeTakeFirstOrThrow();
    expect(still.locked_until).not.toBeNull();
  });
});
