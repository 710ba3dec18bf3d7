// Compliance officers search the audit trail (filters, sort by any column,
// paging) and export it as CSV that a spreadsheet cannot turn into formulas.
// Both are audited, and no one else may do either. An officer of one clinic
// sees only that clinic's events.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell, csvLine } from '../src/modules/compliance/csv.ts';
import { type AuditEventRow, SORT_KEYS } from '../src/modules/compliance/events.ts';
import { type AuditSource, audit } from '../src/platform/audit/audit.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';

let t: TestApp;
let officer: Client;
let officerId: string;
let alice: { id: string };
let bob: { id: string };
let patientA: { id: string };
let patientB: { id: string };
let clinic: { id: string; name: string };
let other: { id: string; name: string };
const db = () => t.database.db;

const source = (actorUserId: string, ip: string, userAgent = 'test-agent'): AuditSource => ({
  actorUserId,
  actorRole: 'nurse',
  actingForPatientId: null,
  ip,
  userAgent,
  requestId: 'req-12345678',
});

beforeAll(async () => {
  t = await testApp();
  clinic = await createClinic(db(), 'Auditville Clinic');
  other = await createClinic(db(), 'Bystander Clinic');
  patientA = await createPatient(db(), {
    clinicId: clinic.id,
    givenName: 'Ada',
    familyName: 'Aardvark',
  });
  patientB = await createPatient(db(), {
    clinicId: other.id,
    givenName: 'Ben',
    familyName: 'Zebra',
  });
  alice = await createUser(db(), t.config, {
    roles: [{ role: 'nurse', clinicId: clinic.id }],
    name: 'Alice Ashdown',
    email: 'alice.audit@example.org',
  });
  bob = await createUser(db(), t.config, {
    roles: [{ role: 'nurse', clinicId: other.id }],
    name: 'Bob Birchwood',
  });
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'compliance_officer', clinicId: null }],
  });
  officerId = user.id;
  officer = await signedInClient(t, user);
  await audit(db(), source(alice.id, '10.0.0.3'), {
    action: 'view',
    resourceType: 'Observation',
    resourceId: 'obs-1',
    patientId: patientA.id,
    clinicId: clinic.id,
  });
  await audit(db(), source(alice.id, '10.0.0.1'), {
    action: 'update',
    resourceType: 'Appointment',
    patientId: patientB.id,
    clinicId: other.id,
  });
  await audit(db(), source(bob.id, '10.0.0.2'), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: 'Patient',
    patientId: patientA.id,
  });
  await audit(db(), source(bob.id, '10.0.0.4'), { action: 'sign_in' });
});
afterAll(() => t.close());

const events = (query: string) => officer.get(`/api/audit/events?${query}`);
const mine = `userId=`; // every search below is narrowed to the seeded actors

describe('search', () => {
  it('names the actor, patient and clinic beside the ids', async () => {
    const res = await events(`${mine}${alice.id}&action=view`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      total: 1,
      page: 1,
      pageSize: 50,
      events: [
        {
          actor: {
            userId: alice.id,
            name: 'Alice Ashdown',
            email: 'alice.audit@example.org',
            role: 'nurse',
          },
          action: 'view',
          resourceType: 'Observation',
          resourceId: 'obs-1',
          patient: { id: patientA.id, name: 'Ada Aardvark' },
          clinic: { id: clinic.id, name: 'Auditville Clinic' },
          outcome: 'success',
          ip: '10.0.0.3',
          requestId: 'req-12345678',
        },
      ],
    });
  });

  it.each([
    ['patient', () => `patientId=${patientA.id}`, 2],
    ['user', () => `userId=${bob.id}`, 2],
    ['action', () => `userId=${alice.id}&action=update`, 1],
    ['outcome', () => `userId=${bob.id}&outcome=failure`, 1],
  ])('filters by %s', async (_, query, count) => {
    const body = (await events(query())).json();
    expect(body.total).toBe(count);
    expect(body.events).toHaveLength(count);
  });

  it('filters by date range (UTC days, inclusive)', async () => {
    const day = (offset: number) =>
      new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    expect((await events(`userId=${alice.id}&from=${day(0)}&to=${day(0)}`)).json().total).toBe(2);
    expect((await events(`userId=${alice.id}&from=${day(1)}`)).json().total).toBe(0);
    expect((await events(`userId=${alice.id}&to=${day(-1)}`)).json().total).toBe(0);
  });

  const sortValue: Record<(typeof SORT_KEYS)[number], (e: AuditEventRow) => string | null> = {
    occurredAt: (e) => e.occurredAt,
    actor: (e) => e.actor.name,
    action: (e) => e.action,
    resourceType: (e) => e.resourceType,
    patient: (e) => e.patient.name?.split(' ').reverse().join(' ') ?? null,
    clinic: (e) => e.clinic.name,
    outcome: (e) => e.outcome,
    ip: (e) => e.ip,
  };

  it.each(SORT_KEYS.flatMap((key) => [[key, 'asc'] as const, [key, 'desc'] as const]))(
    'sorts by %s %s',
    async (key, order) => {
      const res = await events(`sort=${key}&order=${order}&pageSize=200`);
      expect(res.statusCode).toBe(200);
      const values = res.json().events.map(sortValue[key]);
      // Empty values come first ascending and last descending.
      const sorted = [...values].sort((a, b) =>
        a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1,
      );
      if (order === 'desc') sorted.reverse();
      expect(values.map(String)).toEqual(sorted.map(String));
    },
  );

  it('pages without overlap, at most 200 a page', async () => {
    const first = (await events(`${mine}${alice.id}&pageSize=1`)).json();
    const second = (await events(`${mine}${alice.id}&pageSize=1&page=2`)).json();
    expect(first.total).toBe(2);
    expect(first.events[0].id).not.toBe(second.events[0].id);
    expect((await events('pageSize=201')).statusCode).toBe(400);
    expect((await events('sort=password')).statusCode).toBe(400);
  });

  it('is audited as a query, with the filters and the result count', async () => {
    await events(`patientId=${patientB.id}`);
    const row = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_user_id', '=', officerId)
      .where('action', '=', 'query')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      resource_type: 'AuditEvent',
      patient_id: patientB.id,
      details: { filters: { patientId: patientB.id }, resultCount: 1 },
    });
  });

  it.each(['nurse', 'system_admin', 'clinic_admin'] as const)(
    'is refused to a %s',
    async (role) => {
      const user = await createUser(db(), t.config, { roles: [{ role, clinicId: null }] });
      const client = await signedInClient(t, user);
      expect((await client.get('/api/audit/events')).statusCode).toBe(403);
      expect((await client.get('/api/audit/events.csv')).statusCode).toBe(403);
    },
  );
});

/** RFC 4180 parser for the test: quoted cells, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (quoted) cell += c;
    else if (c === ',') endCell();
    else if (c === '\r' && text[i + 1] === '\n') {
      endCell();
      rows.push(row);
      row = [];
      i++;
    } else cell += c;
  }
  return rows;
}

describe('CSV export', () => {
  it('downloads every match with quoting and formula injection neutralised, audited', async () => {
    const mallory = await createUser(db(), t.config, { roles: [], name: '=cmd|"/c calc"!A1' });
    await audit(db(), source(mallory.id, '10.9.9.9', '@SUM(1+1)'), {
      action: 'view',
      resourceType: 'Note, "quoted"\nline',
      resourceId: '-2+3',
      details: { note: '+danger' },
    });
    const res = await officer.get(`/api/audit/events.csv?userId=${mallory.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="audit-events-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    const [header, row, ...rest] = parseCsv(res.body);
    expect(rest).toEqual([]);
    const cell = (name: string) => row?.[(header as string[]).indexOf(name)];
    expect(cell('actor_name')).toBe(`'=cmd|"/c calc"!A1`);
    expect(cell('user_agent')).toBe(`'@SUM(1+1)`);
    expect(cell('resource_id')).toBe(`'-2+3`);
    expect(cell('resource_type')).toBe('Note, "quoted"\nline');
    expect(JSON.parse(cell('details') as string)).toEqual({ note: '+danger' });
    const exported = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_user_id', '=', officerId)
      .where('action', '=', 'export')
      .execute();
    expect(exported).toMatchObject([
      { resource_type: 'AuditEvent', details: { rowCount: 1, format: 'csv' } },
    ]);
  });

  it('round-trips any cells, neutralising formula starts (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.string(), fc.constantFrom('=1+1', '+x', '-y', '@z', '\tq', 'a,b', '"')),
        ),
        (cells) => {
          if (cells.length === 0) return;
          const [parsed] = parseCsv(csvLine(cells));
          expect(parsed).toEqual(cells.map((c) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c)));
        },
      ),
    );
    expect(csvCell(null)).toBe('');
  });
});

describe('an officer of one clinic', () => {
  let scoped: Client;
  let scopedId: string;
  let carol: { id: string };
  beforeAll(async () => {
    carol = await createUser(db(), t.config, {
      roles: [{ role: 'nurse', clinicId: other.id }],
      name: 'Carol Crane',
    });
    await audit(db(), source(carol.id, '10.0.0.7'), {
      action: 'view',
      resourceType: 'Patient',
      patientId: patientB.id,
      clinicId: other.id,
    });
    const user = await createUser(db(), t.config, {
      roles: [{ role: 'compliance_officer', clinicId: clinic.id }],
    });
    scopedId = user.id;
    scoped = await signedInClient(t, user);
  });

  const seen = async (query: string) => {
    const res = await scoped.get(`/api/audit/events?${query}&pageSize=200`);
    expect(res.statusCode).toBe(200);
    return res.json().events.map((e: AuditEventRow) => `${e.actor.name}: ${e.action}`);
  };

  it('sees events at the clinic, on its patients, and by its staff', async () => {
    // Alice is on the clinic's staff: her change at the other clinic counts too.
    expect((await seen(`userId=${alice.id}`)).sort()).toEqual([
      'Alice Ashdown: update',
      'Alice Ashdown: view',
    ]);
    // Bob works elsewhere: his refused look at the clinic's patient, not his sign-in.
    expect(await seen(`userId=${bob.id}`)).toEqual(['Bob Birchwood: access_denied']);
    expect(await seen(`userId=${carol.id}`)).toEqual([]);
    expect(await seen(`patientId=${patientB.id}`)).toEqual(['Alice Ashdown: update']);
    const all = await seen('action=sign_in');
    expect(all).not.toContain('Bob Birchwood: sign_in');
  });

  it('exports only those, and the audit row says which clinics were searched', async () => {
    const res = await scoped.get(`/api/audit/events.csv?patientId=${patientB.id}&action=update`);
    expect(res.statusCode).toBe(200);
    const [, ...rows] = parseCsv(res.body);
    expect(rows).toHaveLength(1);
    expect(res.body).not.toContain('Carol Crane');
    const row = await db()
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_user_id', '=', scopedId)
      .where('action', '=', 'export')
      .executeTakeFirstOrThrow();
    expect(row.details).toMatchObject({ filters: { clinics: [clinic.id] }, rowCount: 1 });
  });

  it('names only the clinic’s own patients; others by id alone', async () => {
    const res = await scoped.get(`/api/audit/events?userId=${alice.id}&sort=patient`);
    const patients = res.json().events.map((e: AuditEventRow) => e.patient);
    expect(patients).toEqual(
      expect.arrayContaining([
        { id: patientA.id, name: 'Ada Aardvark' },
        { id: patientB.id, name: null },
      ]),
    );
    expect(res.body).not.toContain('Zebra');
  });

  it('while a group-wide officer sees every clinic', async () => {
    const res = await officer.get(`/api/audit/events?userId=${carol.id}`);
    expect(res.json().total).toBe(1);
  });
});

describe('actor names', () => {
  it('are shown as recorded with the event, not as the account is named now', async () => {
    const dana = await createUser(db(), t.config, {
      roles: [{ role: 'nurse', clinicId: clinic.id }],
      name: 'Dana Dunmore',
    });
    await audit(
      db(),
      { ...source(dana.id, '10.0.0.8'), actorName: 'Dana Dunmore' },
      {
        action: 'view',
        resourceType: 'Patient',
        patientId: patientA.id,
      },
    );
    await db()
      .updateTable('users')
      .set({ display_name: 'Someone Else' })
      .where('id', '=', dana.id)
      .execute();
    const res = await officer.get(`/api/audit/events?userId=${dana.id}`);
    expect(res.json().events.map((e: AuditEventRow) => e.actor.name)).toEqual(['Dana Dunmore']);
  });
});
