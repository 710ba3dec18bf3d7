// A clinic's refill turnaround (median, 90th percentile, share decided within
// the target in business days on the clinic's calendar) and what waits now;
// and the clinic's refill rules, read and replaced by its admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addBusinessDays } from '../src/modules/refills/queue.ts';
import { type TestApp, testApp } from './support/app.ts';
import type { Client } from './support/client.ts';
import { createClinic, createUser, signedInClient } from './support/factories.ts';
import { refillPatient } from './support/refills.ts';

const HOUR = 3_600_000;
const CHICAGO = 'America/Chicago';

let t: TestApp;
const db = () => t.database.db;
let clinic: { id: string };
let other: { id: string };
let patient: Awaited<ReturnType<typeof refillPatient>>;
let admin: { id: string; client: Client };
let provider: { id: string; client: Client };
let otherAdmin: { id: string; client: Client };

async function signedIn(
  role: 'clinic_admin' | 'provider' | 'system_admin',
  clinicId: string | null,
) {
  const user = await createUser(db(), t.config, { roles: [{ role, clinicId }] });
  return { id: user.id, client: await signedInClient(t, user) };
}

beforeAll(async () => {
  t = await testApp();
  clinic = await createClinic(db());
  other = await createClinic(db());
  patient = await refillPatient(t, clinic.id);
  admin = await signedIn('clinic_admin', clinic.id);
  provider = await signedIn('provider', clinic.id);
  otherAdmin = await signedIn('clinic_admin', other.id);
});
afterAll(() => t?.close());

describe('business days', () => {
  it('skips Saturdays and Sundays and keeps the local time across a DST change', () => {
    // Friday 6 March 2026, 10:00 CST; Chicago springs forward on Sunday 8 March.
    const friday = new Date('2026-03-06T16:00:00Z');
    expect(addBusinessDays(friday, 1, CHICAGO).toISOString()).toBe('2026-03-09T15:00:00.000Z');
    expect(addBusinessDays(friday, 2, CHICAGO).toISOString()).toBe('2026-03-10T15:00:00.000Z');
    // A Saturday request is due the same Tuesday as Friday's.
    const saturday = new Date('2026-03-07T16:00:00Z');
    expect(addBusinessDays(saturday, 2, CHICAGO).toISOString()).toBe('2026-03-10T15:00:00.000Z');
    // Wednesday to Friday, no weekend between.
    const wednesday = new Date('2026-03-04T16:00:00Z');
    expect(addBusinessDays(wednesday, 2, CHICAGO).toISOString()).toBe('2026-03-06T16:00:00.000Z');
    // Late evening local time is already the next day in UTC: the local date counts.
    const fridayNight = new Date('2026-03-14T04:30:00Z'); // Friday 13 March, 23:30 CDT
    expect(addBusinessDays(fridayNight, 1, CHICAGO).toISOString()).toBe('2026-03-17T04:30:00.000Z');
  });
});

let n = 0;
/** A request of the clinic's, made and maybe decided at the given times. */
async function requestAt(createdAt: Date, decidedAt: Date | null) {
  n++;
  await db()
    .insertInto('refill_requests')
    .values({
      clinic_id: clinic.id,
      patient_id: patient.id,
      ehr_medication_request_id: `medreq-measure-${n}`,
      medication_name: 'Lisinopril 10 MG Oral Tablet',
      kind: 'refill',
      requested_by: patient.userId,
      status: decidedAt ? 'approved' : 'requested',
      decided_at: decidedAt,
      decided_by: decidedAt ? provider.id : null,
      created_at: createdAt,
    })
    .execute();
}

const measures = (client: Client, query: string) =>
  client.get(`/api/staff/refills/measures?clinicId=${clinic.id}${query}`);

describe('measures', () => {
  const friday = new Date('2026-03-06T16:00:00Z'); // due Tuesday 10 March 15:00Z, 95 hours on
  const wednesday = new Date('2026-03-04T16:00:00Z'); // due Friday 6 March 16:00Z, 48 hours on
  const hoursAfter = (from: Date, hours: number) => new Date(from.getTime() + hours * HOUR);

  beforeAll(async () => {
    for (const hours of [24, 48, 72, 95, 96, 120])
      await requestAt(friday, hoursAfter(friday, hours));
    await requestAt(wednesday, hoursAfter(wednesday, 50));
    // Decided before the period asked about: not counted.
    await requestAt(new Date('2026-02-02T16:00:00Z'), new Date('2026-02-03T16:00:00Z'));
    // Waiting now: one long overdue, one just made.
    await requestAt(new Date(Date.now() - 30 * 24 * HOUR), null);
    await requestAt(new Date(), null);
  });

  it('gives the median, 90th percentile and share within target of those decided in the period', async () => {
    const res = await measures(admin.client, '&from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z');
    expect(res.statusCode).toBe(200);
    // Turnarounds in hours: 24, 48, 50, 72, 95, 96, 120. The median is the
    // 4th (72); the 90th percentile lies 0.4 of the way from 96 to 120.
    // Within target: the Friday ones up to 95 hours (due Tuesday, the weekend
    // skipped), not the Wednesday one at 50 hours (due Friday, 48 hours on).
    expect(res.json()).toEqual({
      clinicId: clinic.id,
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
      decided: 7,
      medianHours: 72,
      p90Hours: 105.6,
      withinTarget: 4 / 7,
      targetBusinessDays: 2,
      undecided: 2,
      overdue: 1,
    });
  });

  it('follows the clinic target: with 3 business days only the 120-hour one is late', async () => {
    await db()
      .insertInto('refill_rules')
      .values({ clinic_id: clinic.id, target_business_days: 3 })
      .execute();
    const res = await measures(
      provider.client,
      '&from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z',
    );
    // Friday's are due Wednesday at 119 hours (the DST hour lost), Wednesday's on Monday.
    expect(res.json()).toMatchObject({ targetBusinessDays: 3, withinTarget: 6 / 7 });
    await db().deleteFrom('refill_rules').where('clinic_id', '=', clinic.id).execute();
  });

  it('defaults to the last 30 days, and says null when nothing was decided', async () => {
    const res = await measures(admin.client, '');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(30 * 24 * HOUR);
    expect(Math.abs(Date.parse(body.to) - Date.now())).toBeLessThan(60_000);
    expect(body).toMatchObject({
      decided: 0,
      medianHours: null,
      p90Hours: null,
      withinTarget: null,
    });
  });

  it('refuses a reversed period, staff of another clinic (audited) and patients', async () => {
    const reversed = await measures(
      admin.client,
      '&from=2026-04-01T00:00:00Z&to=2026-03-01T00:00:00Z',
    );
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json().error.details).toEqual([expect.objectContaining({ field: 'from' })]);
    const res = await measures(otherAdmin.client, '');
    expect(res.statusCode).toBe(404);
    const denied = await db()
      .selectFrom('audit_events')
      .select(['action', 'clinic_id'])
      .where('actor_user_id', '=', otherAdmin.id)
      .execute();
    expect(denied).toContainEqual({ action: 'access_denied', clinic_id: clinic.id });
    expect((await measures(patient.client, '')).statusCode).toBe(403);
  });
});

describe('refill rules', () => {
  const rulesUrl = (clinicId: string) => `/api/admin/refill-rules/${clinicId}`;
  const rules = {
    earlyDays: 5,
    controlledOnline: false,
    targetBusinessDays: 3,
    protocols: [
      { rxnormCode: '314076', name: 'Lisinopril 10 MG Oral Tablet' },
      { rxnormCode: '197361', name: 'Amlodipine 5 MG Oral Tablet' },
    ],
  };

  it('shows the defaults for a clinic without rules of its own, to its admin only', async () => {
    const res = await admin.client.get(rulesUrl(other.id));
    expect(res.statusCode).toBe(404);
    const own = await otherAdmin.client.get(rulesUrl(other.id));
    expect(own.json()).toEqual({
      clinicId: other.id,
      earlyDays: 7,
      controlledOnline: true,
      targetBusinessDays: 2,
      protocols: [],
    });
  });

  it('replaces rules and protocols and reads them back, audited', async () => {
    const put = await admin.client.put(rulesUrl(clinic.id), rules);
    expect(put.statusCode).toBe(200);
    const byName = [...rules.protocols].sort((a, b) => a.name.localeCompare(b.name));
    expect(put.json()).toEqual({ clinicId: clinic.id, ...rules, protocols: byName });
    expect((await admin.client.get(rulesUrl(clinic.id))).json()).toEqual(put.json());

    // A second PUT replaces the list, it does not add to it.
    const fewer = { ...rules, protocols: [rules.protocols[0]] };
    const again = await admin.client.put(rulesUrl(clinic.id), fewer);
    expect(again.json().protocols).toEqual(fewer.protocols);
    const stored = await db()
      .selectFrom('refill_protocols')
      .select('rxnorm_code')
      .where('clinic_id', '=', clinic.id)
      .execute();
    expect(stored).toEqual([{ rxnorm_code: '314076' }]);

    const audits = await db()
      .selectFrom('audit_events')
      .select(['action', 'resource_type', 'clinic_id'])
      .where('actor_user_id', '=', admin.id)
      .where('resource_type', '=', 'RefillRules')
      .execute();
    expect(audits).toContainEqual({
      action: 'update',
      resource_type: 'RefillRules',
      clinic_id: clinic.id,
    });
    expect(audits).toContainEqual({
      action: 'view',
      resource_type: 'RefillRules',
      clinic_id: clinic.id,
    });
  });

  it('names each field that is not valid (400) and changes nothing', async () => {
    const before = (await admin.client.get(rulesUrl(clinic.id))).json();
    const bad = await admin.client.put(rulesUrl(clinic.id), {
      earlyDays: 61,
      targetBusinessDays: 0,
      protocols: [{ rxnormCode: 'abc', name: '' }],
    });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'earlyDays',
        'controlledOnline',
        'targetBusinessDays',
        'protocols.0.rxnormCode',
        'protocols.0.name',
      ]),
    );
    const twice = await admin.client.put(rulesUrl(clinic.id), {
      ...rules,
      protocols: [rules.protocols[0], { ...rules.protocols[0], name: 'Again' }],
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.details).toEqual([
      expect.objectContaining({ field: 'protocols.1.rxnormCode' }),
    ]);
    expect((await admin.client.get(rulesUrl(clinic.id))).json()).toEqual(before);
  });

  it('refuses a controlled drug in the nurse protocol (400 naming it) and changes nothing', async () => {
    const before = (await admin.client.get(rulesUrl(clinic.id))).json();
    const res = await admin.client.put(rulesUrl(clinic.id), {
      ...rules,
      protocols: [
        ...rules.protocols,
        // Alprazolam, schedule IV: by its code, whatever it is called here.
        { rxnormCode: '308048', name: 'Anxiety tablet' },
        // Oxycodone, schedule II, uncoded in the list: by its name.
        { rxnormCode: '99999999', name: '  oxycodone 5 MG tablet' },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      expect.objectContaining({ field: 'protocols.2.rxnormCode' }),
      expect.objectContaining({ field: 'protocols.3.rxnormCode' }),
    ]);
    expect((await admin.client.get(rulesUrl(clinic.id))).json()).toEqual(before);
    const blankName = await admin.client.put(rulesUrl(clinic.id), {
      ...rules,
      protocols: [{ rxnormCode: '314076', name: '   ' }],
    });
    expect(blankName.statusCode).toBe(400);
    expect(blankName.json().error.details).toEqual([
      expect.objectContaining({ field: 'protocols.0.name' }),
    ]);
  });

  it('lets a system admin keep any clinic, not a provider; another clinic admin is refused, audited', async () => {
    const system = await signedIn('system_admin', null);
    expect((await system.client.put(rulesUrl(other.id), rules)).statusCode).toBe(200);
    expect((await provider.client.get(rulesUrl(clinic.id))).statusCode).toBe(403);
    const refused = await otherAdmin.client.put(rulesUrl(clinic.id), rules);
    expect(refused.statusCode).toBe(404);
    const denied = await db()
      .selectFrom('audit_events')
      .select(['action', 'resource_type', 'details'])
      .where('actor_user_id', '=', otherAdmin.id)
      .where('resource_type', '=', 'RefillRules')
      .execute();
    expect(denied).toContainEqual({
      action: 'access_denied',
      resource_type: 'RefillRules',
      details: { attempted: 'update' },
    });
  });
});
