// The clinic's refill review over HTTP: the queue (oldest first, due times,
// overdue), opening a request (in review, with the patient's context),
// nurse triage (note, question, route), who may decide (a provider; a nurse
// only for a protocol medication, never a denial; a clinic admin only looks),
// one decision only, and staff of another clinic refused and audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from './support/app.ts';
import { auditSince, lastAuditId } from './support/audit.ts';
import type { Client } from './support/client.ts';
import { createClinic, createUser, signedInClient } from './support/factories.ts';
import { cacheMedication, dueMedication, refillPatient } from './support/refills.ts';
import { createProvider, createSlots, createVisitType, daysFromNow } from './support/scheduling.ts';

const LISINOPRIL = '314076';
const SERTRALINE = '312940';
/** Alprazolam 0.5 MG Oral Tablet: schedule IV. */
const ALPRAZOLAM = '308048';

let t: TestApp;
const db = () => t.database.db;
let clinic: { id: string };
let patient: Awaited<ReturnType<typeof refillPatient>>;
type Staff = { id: string; client: Client };
let nurse: Staff;
let provider: Staff;
let admin: Staff;
let stranger: Staff;
let strangerProvider: Staff;

async function staff(role: 'nurse' | 'provider' | 'clinic_admin', clinicId: string, name?: string) {
  const user = await createUser(db(), t.config, { roles: [{ role, clinicId }], name });
  return { id: user.id, client: await signedInClient(t, user) };
}

beforeAll(async () => {
  t = await testApp();
  clinic = await createClinic(db());
  const elsewhere = await createClinic(db());
  nurse = await staff('nurse', clinic.id, 'Nora Nurse');
  provider = await staff('provider', clinic.id, 'Dr. Pia Provider');
  admin = await staff('clinic_admin', clinic.id);
  stranger = await staff('nurse', elsewhere.id);
  strangerProvider = await staff('provider', elsewhere.id);
  await db()
    .insertInto('refill_protocols')
    .values([
      { clinic_id: clinic.id, rxnorm_code: LISINOPRIL, name: 'Lisinopril' },
      // Written before the rules refused controlled drugs in a protocol: it must not count.
      { clinic_id: clinic.id, rxnorm_code: ALPRAZOLAM, name: 'Alprazolam' },
    ])
    .execute();
  patient = await refillPatient(t, clinic.id, { email: `refill-${Date.now()}@example.org` });
});
afterAll(() => t?.close());

/** A request as the patient's submission leaves it, written straight into the tables. */
async function newRequest(
  name: string,
  rxnormCode: string | null,
  createdAt = new Date(),
  kind: 'refill' | 'renewal' = 'refill',
) {
  const medicationId = await cacheMedication(db(), patient, dueMedication(name, rxnormCode));
  const row = await db()
    .insertInto('refill_requests')
    .values({
      clinic_id: clinic.id,
      patient_id: patient.id,
      ehr_medication_request_id: medicationId,
      medication_name: name,
      rxnorm_code: rxnormCode,
      ehr_prescriber_id: 'pract-1',
      kind,
      requested_by: patient.userId,
      created_at: createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db()
    .insertInto('refill_events')
    .values({ request_id: row.id, kind: 'requested', for_patient: true, created_at: createdAt })
    .execute();
  return { id: row.id, medicationId };
}

const request = (id: string) =>
  db().selectFrom('refill_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const events = (id: string) =>
  db()
    .selectFrom('refill_events')
    .select(['kind', 'for_patient', 'text', 'actor_user_id'])
    .where('request_id', '=', id)
    .orderBy('id')
    .execute();

const queue = (client: Client, extra = '') =>
  client.get(`/api/staff/refills?clinicId=${clinic.id}${extra}`);

describe('the queue', () => {
  it('lists undecided requests oldest first with their due time, flags overdue ones, and audits the look', async () => {
    // Monday 9 March 2026, 10:00 in Chicago (CDT): due Wednesday at 10:00.
    const old = await newRequest(
      'Metformin 500 MG Oral Tablet',
      null,
      new Date('2026-03-09T15:00:00Z'),
    );
    const fresh = await newRequest('Atorvastatin 20 MG Oral Tablet', null);
    const since = await lastAuditId(db());
    const res = await queue(nurse.client);
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { id: string; createdAt: string }[];
    const ids = items.map((i) => i.id);
    expect(ids.indexOf(old.id)).toBeLessThan(ids.indexOf(fresh.id));
    const times = items.map((i) => i.createdAt);
    expect(times).toEqual([...times].sort());
    expect(items.find((i) => i.id === old.id)).toMatchObject({
      patientId: patient.id,
      medicationName: 'Metformin 500 MG Oral Tablet',
      status: 'requested',
      dueAt: '2026-03-11T15:00:00.000Z',
      overdue: true,
      awaitingAnswer: false,
    });
    expect(items.find((i) => i.id === fresh.id)).toMatchObject({ overdue: false });
    const rows = await auditSince(db(), since, nurse.id);
    expect(rows[0]).toMatchObject({
      action: 'query',
      resource_type: 'RefillRequest',
      patient_id: null,
    });
    expect(rows).toContainEqual(
      expect.objectContaining({ action: 'query', resource_id: old.id, patient_id: patient.id }),
    );
  });

  it('refuses staff of another clinic, audited, and patients outright', async () => {
    const since = await lastAuditId(db());
    const res = await queue(stranger.client);
    expect(res.statusCode).toBe(404);
    expect(await auditSince(db(), since, stranger.id)).toEqual([
      expect.objectContaining({
        action: 'access_denied',
        outcome: 'failure',
        resource_type: 'RefillRequest',
        details: { attempted: 'query' },
      }),
    ]);
    expect((await queue(patient.client)).statusCode).toBe(403);
  });
});

describe('opening a request', () => {
  it('puts it in review and shows the whole timeline with the patient context, audited', async () => {
    const r = await newRequest('Lisinopril 10 MG Oral Tablet', LISINOPRIL);
    await cacheContext();
    const { past, next } = await visits();

    const since = await lastAuditId(db());
    const res = await nurse.client.get(`/api/staff/refills/${r.id}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.request).toMatchObject({ id: r.id, status: 'in_review', patientId: patient.id });
    expect(body.request.events.map((e: { kind: string }) => e.kind)).toEqual([
      'requested',
      'in_review',
    ]);
    expect(body.request.events[1].by).toBe('Nora Nurse');
    // Lisinopril is on the clinic's protocol: the nurse may approve, never deny.
    expect(body).toMatchObject({ mayApprove: true, mayDeny: false });
    expect(body.context.medications.map((m: { id: string }) => m.id)).toContain(r.medicationId);
    expect(body.context.allergies).toEqual([expect.objectContaining({ substance: 'Penicillin' })]);
    expect(body.context.labs.map((l: { name: string }) => l.name)).toEqual([
      'Lab 6',
      'Lab 5',
      'Lab 4',
      'Lab 3',
      'Lab 2',
    ]);
    expect(body.context.lastVisit).toMatchObject({
      startsAt: past.toISOString(),
      providerName: 'Dr. Visit Provider',
      visitTypeName: 'Follow-up',
    });
    expect(body.context.nextVisit).toMatchObject({ startsAt: next.toISOString() });
    expect(await auditSince(db(), since, nurse.id)).toContainEqual(
      expect.objectContaining({
        action: 'view',
        resource_type: 'RefillRequest',
        resource_id: r.id,
        patient_id: patient.id,
      }),
    );
  });

  it('is a look only for a clinic admin: it stays requested and they may not decide', async () => {
    const r = await newRequest('Sertraline 50 MG Oral Tablet', SERTRALINE);
    const res = await admin.client.get(`/api/staff/refills/${r.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      request: { status: 'requested' },
      mayApprove: false,
      mayDeny: false,
    });
    const note = await admin.client.post(`/api/staff/refills/${r.id}/notes`, { text: 'Seen' });
    expect(note.statusCode).toBe(403);
  });

  it('refuses staff of another clinic with the 404 of a missing request, audited with the patient', async () => {
    const r = await newRequest('Sertraline 50 MG Oral Tablet', SERTRALINE);
    const since = await lastAuditId(db());
    const res = await stranger.client.get(`/api/staff/refills/${r.id}`);
    expect(res.statusCode).toBe(404);
    const missing = await stranger.client.get(`/api/staff/refills/${crypto.randomUUID()}`);
    expect(missing.json().error).toEqual(res.json().error);
    const approve = await strangerProvider.client.post(`/api/staff/refills/${r.id}/approve`, {});
    expect(approve.statusCode).toBe(404);
    expect((await request(r.id)).status).toBe('requested');
    expect(await auditSince(db(), since, stranger.id)).toContainEqual(
      expect.objectContaining({
        action: 'access_denied',
        resource_type: 'RefillRequest',
        resource_id: r.id,
        patient_id: patient.id,
        details: { attempted: 'view' },
      }),
    );
  });
});

describe('nurse triage', () => {
  it('adds a staff-only note, asks the patient (mail without the drug), and routes to a provider', async () => {
    const r = await newRequest('Sertraline 50 MG Oral Tablet', SERTRALINE);
    const noted = await nurse.client.post(`/api/staff/refills/${r.id}/notes`, {
      text: 'Blood pressure log reviewed',
    });
    expect(noted.statusCode).toBe(200);

    const mailsBefore = await mailsTo(patient.userId);
    const asked = await nurse.client.post(`/api/staff/refills/${r.id}/question`, {
      text: 'Are you still taking it every morning?',
    });
    expect(asked.statusCode).toBe(200);
    expect(asked.json().awaitingAnswer).toBe(true);
    const mails = await mailsTo(patient.userId);
    expect(mails.length).toBe(mailsBefore.length + 1);
    expect(JSON.stringify(mails.at(-1))).not.toMatch(/sertraline/i);
    const listed = (await queue(nurse.client))
      .json()
      .items.find((i: { id: string }) => i.id === r.id);
    expect(listed.awaitingAnswer).toBe(true);

    const routed = await nurse.client.post(`/api/staff/refills/${r.id}/route`, {
      to: 'provider',
      userId: provider.id,
    });
    expect(routed.statusCode).toBe(200);
    const row = await request(r.id);
    expect(row).toMatchObject({ routed_to: 'provider', routed_user_id: provider.id });
    expect(await events(r.id)).toEqual([
      expect.objectContaining({ kind: 'requested' }),
      {
        kind: 'note',
        for_patient: false,
        text: 'Blood pressure log reviewed',
        actor_user_id: nurse.id,
      },
      expect.objectContaining({ kind: 'question', for_patient: true, actor_user_id: nurse.id }),
      expect.objectContaining({ kind: 'routed', for_patient: false, actor_user_id: nurse.id }),
    ]);
  });

  it('routes only to someone holding that role at the clinic (400 naming userId)', async () => {
    const r = await newRequest('Sertraline 50 MG Oral Tablet', SERTRALINE);
    for (const userId of [nurse.id, strangerProvider.id]) {
      const res = await nurse.client.post(`/api/staff/refills/${r.id}/route`, {
        to: 'provider',
        userId,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual([expect.objectContaining({ field: 'userId' })]);
    }
    expect((await request(r.id)).routed_to).toBeNull();
  });
});

describe('decisions', () => {
  it('lets a nurse approve only a protocol medication, and never deny; refusals are audited', async () => {
    const off = await newRequest('Sertraline 50 MG Oral Tablet', SERTRALINE);
    const since = await lastAuditId(db());
    const approve = await nurse.client.post(`/api/staff/refills/${off.id}/approve`, {});
    expect(approve.statusCode).toBe(403);
    expect(approve.json().error.code).toBe('not_permitted');
    const deny = await nurse.client.post(`/api/staff/refills/${off.id}/deny`, {
      reason: 'Please book a visit first.',
    });
    expect(deny.statusCode).toBe(403);
    expect((await request(off.id)).status).toBe('requested');
    expect(await auditSince(db(), since, nurse.id)).toEqual([
      expect.objectContaining({
        action: 'access_denied',
        resource_id: off.id,
        details: { attempted: 'approve' },
      }),
      expect.objectContaining({
        action: 'access_denied',
        resource_id: off.id,
        details: { attempted: 'deny' },
      }),
    ]);

    const on = await newRequest('Lisinopril 10 MG Oral Tablet', LISINOPRIL);
    const ok = await nurse.client.post(`/api/staff/refills/${on.id}/approve`, {});
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('approved');
    expect(await request(on.id)).toMatchObject({ status: 'approved', decided_by: nurse.id });
  });

  it('refuses a nurse a renewal or a controlled drug even when the protocol names it: 403, audited', async () => {
    const renewal = await newRequest(
      'Lisinopril 10 MG Oral Tablet',
      LISINOPRIL,
      new Date(),
      'renewal',
    );
    const controlled = await newRequest('Alprazolam 0.5 MG Oral Tablet', ALPRAZOLAM);
    for (const r of [renewal, controlled]) {
      const view = await nurse.client.get(`/api/staff/refills/${r.id}`);
      expect(view.json()).toMatchObject({ mayApprove: false, mayDeny: false });
      const since = await lastAuditId(db());
      const approve = await nurse.client.post(`/api/staff/refills/${r.id}/approve`, {});
      expect(approve.statusCode).toBe(403);
      expect(approve.json().error.code).toBe('not_permitted');
      expect(approve.json().error.message).toMatch(/renewal or a controlled medication/);
      expect(await auditSince(db(), since, nurse.id)).toEqual([
        expect.objectContaining({
          action: 'access_denied',
          resource_id: r.id,
          patient_id: patient.id,
          details: { attempted: 'approve' },
        }),
      ]);
      expect((await request(r.id)).status).toBe('in_review');
      expect(await outboxFor(r.id)).toEqual([]);
      // A provider may.
      expect(
        (await provider.client.post(`/api/staff/refills/${r.id}/approve`, {})).statusCode,
      ).toBe(200);
    }
  });

  it('lets a provider approve (the decision queued for the EHR, the patient told) and deny with a reason', async () => {
    const a = await newRequest('Sertraline 50 MG Oral Tablet', SERTRALINE);
    const mailsBefore = (await mailsTo(patient.userId)).length;
    const approved = await provider.client.post(`/api/staff/refills/${a.id}/approve`, {
      note: 'Stable on this dose',
    });
    expect(approved.statusCode).toBe(200);
    const row = await request(a.id);
    expect(row).toMatchObject({ status: 'approved', decided_by: provider.id, deny_reason: null });
    expect(row.decided_at).toBeInstanceOf(Date);
    expect(await outboxFor(a.id)).toEqual(['refill.decision']);
    // Told once the order reaches the EHR ('sent'), not twice.
    expect((await mailsTo(patient.userId)).length).toBe(mailsBefore);
    // The approval's note stays with staff.
    expect(await events(a.id)).toContainEqual(
      expect.objectContaining({ kind: 'note', for_patient: false, text: 'Stable on this dose' }),
    );

    const d = await newRequest('Sertraline 50 MG Oral Tablet', SERTRALINE);
    const noReason = await provider.client.post(`/api/staff/refills/${d.id}/deny`, {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error.details).toEqual([expect.objectContaining({ field: 'reason' })]);
    const denied = await provider.client.post(`/api/staff/refills/${d.id}/deny`, {
      reason: 'Please book a visit so we can check how it works for you.',
    });
    expect(denied.statusCode).toBe(200);
    expect((await mailsTo(patient.userId)).length).toBe(mailsBefore + 1);
    expect(denied.json()).toMatchObject({
      status: 'denied',
      denyReason: 'Please book a visit so we can check how it works for you.',
    });
    expect(await events(d.id)).toContainEqual(
      expect.objectContaining({
        kind: 'denied',
        for_patient: true,
        text: 'Please book a visit so we can check how it works for you.',
        actor_user_id: provider.id,
      }),
    );
    expect(await outboxFor(d.id)).toEqual(['refill.decision']);
  });

  it('refuses a second decision with 409 and changes nothing', async () => {
    const r = await newRequest('Sertraline 50 MG Oral Tablet', SERTRALINE);
    expect((await provider.client.post(`/api/staff/refills/${r.id}/approve`, {})).statusCode).toBe(
      200,
    );
    const again = await provider.client.post(`/api/staff/refills/${r.id}/deny`, {
      reason: 'Changed my mind',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('already_decided');
    const question = await nurse.client.post(`/api/staff/refills/${r.id}/question`, {
      text: 'Still?',
    });
    expect(question.statusCode).toBe(409);
    expect((await request(r.id)).status).toBe('approved');
    expect(await outboxFor(r.id)).toEqual(['refill.decision']);
    const view = (await provider.client.get(`/api/staff/refills/${r.id}`)).json();
    expect(view).toMatchObject({ mayApprove: false, mayDeny: false });
  });

  it('keeps taking staff notes after the decision, as the record of what followed', async () => {
    const r = await newRequest('Sertraline 50 MG Oral Tablet', SERTRALINE);
    const denied = await provider.client.post(`/api/staff/refills/${r.id}/deny`, {
      reason: 'Please book a visit first.',
    });
    expect(denied.statusCode).toBe(200);
    const noted = await nurse.client.post(`/api/staff/refills/${r.id}/notes`, {
      text: '  Called the patient; visit booked for Friday.  ',
    });
    expect(noted.statusCode, noted.body).toBe(200);
    expect((await request(r.id)).status).toBe('denied');
    expect((await events(r.id)).at(-1)).toEqual({
      kind: 'note',
      for_patient: false,
      text: 'Called the patient; visit booked for Friday.',
      actor_user_id: nurse.id,
    });
  });

  it('refuses texts of spaces only (400 naming the field) and keeps texts trimmed', async () => {
    const r = await newRequest('Sertraline 50 MG Oral Tablet', SERTRALINE);
    expect((await provider.client.get(`/api/staff/refills/${r.id}`)).statusCode).toBe(200);
    const blank = '   \n\t ';
    for (const [path, body, field] of [
      ['notes', { text: blank }, 'text'],
      ['question', { text: blank }, 'text'],
      ['approve', { note: blank }, 'note'],
      ['deny', { reason: blank }, 'reason'],
    ] as const) {
      const res = await provider.client.post(`/api/staff/refills/${r.id}/${path}`, body);
      expect(res.statusCode, path).toBe(400);
      expect(res.json().error.details).toEqual([expect.objectContaining({ field })]);
    }
    expect((await request(r.id)).status).toBe('in_review');
    const denied = await provider.client.post(`/api/staff/refills/${r.id}/deny`, {
      reason: '  Please book a visit first.\n',
    });
    expect(denied.json().denyReason).toBe('Please book a visit first.');
    expect((await request(r.id)).deny_reason).toBe('Please book a visit first.');
  });
});

/** Mails to the patient's account address (where refill notices go). */
const mailsTo = async (userId: string) => {
  const u = await db()
    .selectFrom('users')
    .select('email')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return db()
    .selectFrom('mail_outbox')
    .select(['subject', 'body'])
    .where('to_address', '=', u.email)
    .orderBy('created_at')
    .execute();
};

const outboxFor = async (requestId: string) =>
  (
    await db()
      .selectFrom('ehr_outbox')
      .select('kind')
      .where('idempotency_key', 'like', `%${requestId}`)
      .where('kind', '=', 'refill.decision')
      .execute()
  ).map((o) => o.kind);

/** An allergy and six lab results in the patient's cached record. */
async function cacheContext() {
  const row = (
    type: string,
    id: string,
    occurred: string,
    category: string | null,
    body: object,
  ) => ({
    resource_type: type,
    id,
    patient_id: patient.id,
    ehr_patient_id: patient.ehrPatientId,
    status: type === 'Observation' ? 'final' : 'active',
    category,
    occurred_at: new Date(occurred),
    resource: JSON.stringify({ resourceType: type, id, ...body }),
  });
  const labs = [1, 2, 3, 4, 5, 6].map((n) =>
    row('Observation', `lab-${n}-${patient.id}`, `2026-0${n}-01T10:00:00Z`, 'laboratory', {
      status: 'final',
      code: { text: `Lab ${n}` },
      effectiveDateTime: `2026-0${n}-01T10:00:00Z`,
      valueQuantity: { value: n, unit: 'mg/dL' },
    }),
  );
  await db()
    .insertInto('clinical_resources')
    .values([
      row('AllergyIntolerance', `allergy-${patient.id}`, '2020-01-01T00:00:00Z', null, {
        code: { text: 'Penicillin' },
        clinicalStatus: { coding: [{ code: 'active' }] },
      }),
      ...labs,
    ])
    .execute();
}

/** A completed visit last month and a booked one next week. */
async function visits() {
  const doctor = await createProvider(db(), clinic.id, 'Dr. Visit Provider');
  const type = await createVisitType(db(), clinic.id, [doctor.id], {
    name_en: 'Follow-up',
    name_es: 'Seguimiento',
  });
  const past = daysFromNow(-30);
  const next = daysFromNow(7);
  for (const [startsAt, status] of [
    [past, 'completed'],
    [next, 'booked'],
  ] as const) {
    const [slotId] = await createSlots(db(), {
      clinicId: clinic.id,
      providerId: doctor.id,
      from: startsAt,
      count: 1,
    });
    await db()
      .insertInto('appointments')
      .values({
        clinic_id: clinic.id,
        patient_id: patient.id,
        provider_id: doctor.id,
        visit_type_id: type.id,
        slot_id: slotId as number,
        starts_at: startsAt,
        ends_at: new Date(startsAt.getTime() + 30 * 60_000),
        mode: 'in_person',
        status,
      })
      .execute();
  }
  return { past, next };
}
