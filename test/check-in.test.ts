// Check-in through the API: when it opens and closes, what a bad submission
// is told, that changes wait for staff review (the record and the EHR are
// untouched), "I'm here" on the day, and who may read and review what.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoQuestionnaires } from '../src/modules/scheduling/demo-questionnaires.ts';
import type { AppointmentStatus } from '../src/modules/scheduling/tables.ts';
import { type TestApp, testApp } from './support/app.ts';
import { lastAuditId } from './support/audit.ts';
import type { Client } from './support/client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import { createProvider, createSlots, createVisitType } from './support/scheduling.ts';

let t: TestApp;
let clinic: { id: string };
let otherClinic: { id: string };
let provider: { id: string };
let visitType: { id: string };
const db = () => t.database.db;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const office = demoQuestionnaires['office-visit'];
const answers = (items: { linkId: string; answer?: unknown[] }[]) => ({
  resourceType: 'QuestionnaireResponse',
  status: 'completed',
  questionnaire: office?.url,
  item: items,
});
const goodAnswers = answers([
  { linkId: 'reason', answer: [{ valueString: 'A cough that will not go away' }] },
  { linkId: 'fever', answer: [{ valueBoolean: false }] },
  { linkId: 'pain', answer: [{ valueInteger: 3 }] },
]);

interface Patient {
  id: string;
  client: Client;
}

async function patient(at = clinic.id): Promise<Patient> {
  const p = await createPatient(db(), { clinicId: at, email: 'old@example.org' });
  const ehrId = `ehr-${randomUUID()}`;
  await db()
    .updateTable('patients')
    .set({ ehr_patient_id: ehrId, phone: '+1 555 0100' })
    .where('id', '=', p.id)
    .execute();
  // What the sync copied from the EHR: two medications (one stopped) and an allergy.
  const resource = (type: string, id: string, status: string, body: object) => ({
    resource_type: type,
    id,
    patient_id: p.id,
    ehr_patient_id: ehrId,
    status,
    occurred_at: new Date('2024-01-10T00:00:00Z'),
    resource: JSON.stringify({ resourceType: type, id, ...body }),
  });
  await db()
    .insertInto('clinical_resources')
    .values([
      resource('MedicationRequest', `med-a-${p.id}`, 'active', {
        status: 'active',
        medicationCodeableConcept: { text: 'Lisinopril 10 mg' },
      }),
      resource('MedicationRequest', `med-b-${p.id}`, 'stopped', {
        status: 'stopped',
        medicationCodeableConcept: { text: 'Amoxicillin 500 mg' },
      }),
      resource('AllergyIntolerance', `allergy-${p.id}`, 'active', {
        clinicalStatus: { coding: [{ code: 'active' }] },
        code: { text: 'Penicillin' },
        reaction: [{ manifestation: [{ text: 'Hives' }] }],
      }),
    ])
    .execute();
  const user = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: p.id,
  });
  return { id: p.id, client: await signedInClient(t, user) };
}

/** An appointment straight into the database, starting `fromNow` ms from now. */
async function appointment(
  patientId: string,
  fromNow: number,
  status: AppointmentStatus = 'booked',
  at = clinic.id,
  by = provider.id,
  type = visitType.id,
) {
  const from = new Date(Math.floor((Date.now() + fromNow) / 1000) * 1000);
  const [slotId] = await createSlots(db(), { clinicId: at, providerId: by, from, count: 1 });
  const row = await db()
    .insertInto('appointments')
    .values({
      clinic_id: at,
      patient_id: patientId,
      provider_id: by,
      visit_type_id: type,
      slot_id: slotId as number,
      starts_at: from,
      ends_at: new Date(from.getTime() + 30 * MINUTE),
      mode: 'in_person',
      status,
      cancelled_at: status === 'cancelled' ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const valid = (me: Patient, extra: Record<string, unknown> = {}) => ({
  demographics: { phone: '+1 555 0199' },
  insurance: { payer: 'Prairie Mutual', memberId: 'PM-1234567', groupNumber: 'G-77' },
  medications: [
    { id: `med-a-${me.id}`, status: 'taking' },
    { status: 'new', text: 'Vitamin D 1000 IU daily' },
  ],
  allergies: [{ id: `allergy-${me.id}`, status: 'allergic', text: 'Also a rash' }],
  questionnaireResponse: goodAnswers,
  ...extra,
});

const auditRows = (patientId: string, action: string) =>
  db()
    .selectFrom('audit_events')
    .select(['action', 'resource_type', 'resource_id', 'actor_user_id', 'details', 'outcome'])
    .where('patient_id', '=', patientId)
    .where('action', '=', action as 'view')
    .execute();

beforeAll(async () => {
  t = await testApp();
  clinic = await createClinic(db());
  otherClinic = await createClinic(db());
  provider = await createProvider(db(), clinic.id);
  visitType = await createVisitType(db(), clinic.id, [provider.id], {
    questionnaire: JSON.stringify(office),
  });
});
afterAll(() => t?.close());

describe('the check-in page', () => {
  it("shows the patient's details, active medications and allergies, and the visit's questionnaire", async () => {
    const me = await patient();
    const id = await appointment(me.id, 48 * HOUR);
    const res = await me.client.get(`/api/appointments/${id}/check-in`);
    expect(res.statusCode).toBe(200);
    const view = res.json();
    expect(view.checkIn).toMatchObject({ open: true, refusal: null });
    expect(view.arrival).toMatchObject({ open: false, refusal: 'not_yet' });
    expect(view.current.demographics).toMatchObject({
      familyName: expect.stringMatching(/^Patient-/),
      phone: '+1 555 0100',
      email: 'old@example.org',
    });
    expect(view.current.insurance).toBeNull();
    expect(view.current.medications).toEqual([
      { id: `med-a-${me.id}`, name: 'Lisinopril 10 mg', instructions: [] },
    ]);
    expect(view.current.allergies).toEqual([
      { id: `allergy-${me.id}`, substance: 'Penicillin', reactions: ['Hives'] },
    ]);
    expect(view.questionnaire.url).toBe(office?.url);
    expect(view.submission).toBeNull();
    expect(await auditRows(me.id, 'view')).toEqual([
      expect.objectContaining({ resource_type: 'CheckIn', resource_id: id, outcome: 'success' }),
    ]);
  });
});

describe('the check-in window', () => {
  it('is closed more than 72 hours before the start, and says when it opens', async () => {
    const me = await patient();
    const id = await appointment(me.id, 96 * HOUR);
    const view = (await me.client.get(`/api/appointments/${id}/check-in`)).json();
    expect(view.checkIn).toMatchObject({ open: false, refusal: 'not_yet' });
    const res = await me.client.post(`/api/appointments/${id}/check-in`, valid(me));
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('check_in_not_yet');
    expect(res.json().error.message).toMatch(/3 days/);
    expect(res.json().error.details.opensAt).toBe(view.checkIn.opensAt);
  });

  it('is closed once the appointment has started', async () => {
    const me = await patient();
    const id = await appointment(me.id, -10 * MINUTE);
    const res = await me.client.post(`/api/appointments/${id}/check-in`, valid(me));
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('check_in_started');
  });

  it('waits for the EHR to confirm, and is not for requests or cancelled visits', async () => {
    const me = await patient();
    const cases: [AppointmentStatus, string][] = [
      ['confirming', 'check_in_not_confirmed'],
      ['requested', 'check_in_not_live'],
      ['cancelled', 'check_in_not_live'],
    ];
    for (const [i, [status, code]] of cases.entries()) {
      const id = await appointment(me.id, (24 + i) * HOUR, status);
      const res = await me.client.post(`/api/appointments/${id}/check-in`, valid(me));
      expect(res.statusCode, status).toBe(409);
      expect(res.json().error.code, status).toBe(code);
    }
  });
});

describe('a bad submission', () => {
  let me: Patient;
  let id: string;
  beforeAll(async () => {
    me = await patient();
    id = await appointment(me.id, 30 * HOUR);
  });

  const fieldsOf = (res: { json(): { error: { details: { field: string }[] } } }) =>
    res.json().error.details.map((d) => d.field);

  it('names each field that is wrong', async () => {
    const res = await me.client.post(
      `/api/appointments/${id}/check-in`,
      valid(me, {
        medications: [
          { id: 'someone-elses-medication', status: 'taking' },
          { status: 'new', text: '   ' },
          { id: `med-b-${me.id}`, status: 'not_taking' }, // stopped: not on the list
        ],
        allergies: [
          { id: `allergy-${me.id}`, status: 'allergic' },
          { id: `allergy-${me.id}`, status: 'not_allergic' },
        ],
        questionnaireResponse: answers([
          { linkId: 'reason', answer: [{ valueString: 'Check-up' }] },
          { linkId: 'pain', answer: [{ valueInteger: 11 }] },
          { linkId: 'mood', answer: [{ valueString: 'fine' }] },
        ]),
      }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.details).toEqual([
      { field: 'medications.0.id', message: 'is not one of the medications on your record' },
      { field: 'medications.1.text', message: 'is required' },
      { field: 'medications.2.id', message: 'is not one of the medications on your record' },
      { field: 'allergies.1.id', message: 'is listed twice' },
      { field: 'questionnaireResponse.pain', message: 'must be at most 10' },
      { field: 'questionnaireResponse.mood', message: 'is not a question in this questionnaire' },
      { field: 'questionnaireResponse.fever', message: 'is required' },
    ]);
  });

  it('is refused by the schema for malformed values and unknown fields', async () => {
    const res = await me.client.post(
      `/api/appointments/${id}/check-in`,
      valid(me, { demographics: { phone: 'call me maybe', givenName: 'Someone' } }),
    );
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res).sort()).toEqual(['demographics.givenName', 'demographics.phone']);
  });

  it('leaves out required answers only at the cost of naming them', async () => {
    const { questionnaireResponse: _, ...rest } = valid(me);
    const res = await me.client.post(`/api/appointments/${id}/check-in`, rest);
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual(['questionnaireResponse.reason', 'questionnaireResponse.fever']);
    const appointment = await db()
      .selectFrom('appointments')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(appointment.status).toBe('booked');
  });
});

describe('a submitted check-in', () => {
  it('waits for staff review: the record and the EHR are untouched', async () => {
    const me = await patient();
    const id = await appointment(me.id, 20 * HOUR);
    const res = await me.client.post(`/api/appointments/${id}/check-in`, valid(me));
    expect(res.statusCode).toBe(200);
    const view = res.json();
    expect(view.appointment.status).toBe('checked_in');
    expect(view.appointment.checkedInAt).not.toBeNull();
    expect(view.submission.reviewedAt).toBeNull();
    expect(view.submission.changes).toEqual({
      demographics: { phone: { from: '+1 555 0100', to: '+1 555 0199' } },
      insurance: { payer: 'Prairie Mutual', memberId: 'PM-1234567', groupNumber: 'G-77' },
      medications: [
        { id: `med-a-${me.id}`, name: 'Lisinopril 10 mg', status: 'taking', text: '' },
        { id: null, name: null, status: 'new', text: 'Vitamin D 1000 IU daily' },
      ],
      allergies: [
        { id: `allergy-${me.id}`, name: 'Penicillin', status: 'allergic', text: 'Also a rash' },
      ],
    });
    expect(view.submission.questionnaireResponse).toEqual(goodAnswers);

    const record = await db()
      .selectFrom('patients')
      .select(['phone', 'email'])
      .where('id', '=', me.id)
      .executeTakeFirstOrThrow();
    expect(record).toEqual({ phone: '+1 555 0100', email: 'old@example.org' });
    const outbox = await db()
      .selectFrom('ehr_outbox')
      .select('id')
      .where('patient_id', '=', me.id)
      .execute();
    expect(outbox).toEqual([]);
    // The audit names the parts changed, never the values.
    const [created] = await auditRows(me.id, 'create');
    expect(created).toMatchObject({ resource_type: 'CheckIn', resource_id: id });
    expect(created?.details).toEqual({
      changed: ['demographics', 'insurance', 'medications', 'allergies', 'questionnaire'],
      demographics: ['phone'],
    });
    expect(JSON.stringify(created?.details)).not.toContain('555');
  });

  it('is replaced by a resubmission before review, and closed after it', async () => {
    const me = await patient();
    const id = await appointment(me.id, 40 * HOUR);
    expect((await me.client.post(`/api/appointments/${id}/check-in`, valid(me))).statusCode).toBe(
      200,
    );
    const again = await me.client.post(
      `/api/appointments/${id}/check-in`,
      valid(me, {
        demographics: {},
        medications: [{ id: `med-a-${me.id}`, status: 'not_taking' }],
      }),
    );
    expect(again.statusCode).toBe(200);
    expect(again.json().submission.changes.demographics).toEqual({});
    expect(again.json().submission.changes.medications).toEqual([
      { id: `med-a-${me.id}`, name: 'Lisinopril 10 mg', status: 'not_taking', text: '' },
    ]);
    const rows = await db()
      .selectFrom('appointment_checkins')
      .select('appointment_id')
      .where('appointment_id', '=', id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(await auditRows(me.id, 'update')).toEqual([
      expect.objectContaining({ resource_type: 'CheckIn', resource_id: id }),
    ]);

    await db()
      .updateTable('appointment_checkins')
      .set({ reviewed_at: new Date() })
      .where('appointment_id', '=', id)
      .execute();
    const late = await me.client.post(`/api/appointments/${id}/check-in`, valid(me));
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('check_in_reviewed');
  });

  it('can be sent by a caregiver acting for the patient', async () => {
    const me = await patient();
    const id = await appointment(me.id, 50 * HOUR);
    const proxy = await createUser(db(), t.config, { roles: [{ role: 'proxy', clinicId: null }] });
    await db()
      .insertInto('proxy_grants')
      .values({
        proxy_user_id: proxy.id,
        patient_id: me.id,
        relationship: 'parent',
        expires_at: new Date(Date.now() + 86_400_000),
        granted_by: proxy.id,
      })
      .execute();
    const client = await signedInClient(t, proxy, { actingForPatientId: me.id });
    const res = await client.post(`/api/appointments/${id}/check-in`, valid(me));
    expect(res.statusCode).toBe(200);
    const row = await db()
      .selectFrom('appointment_checkins')
      .select('submitted_by')
      .where('appointment_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.submitted_by).toBe(proxy.id);
  });
});

describe("I'm here", () => {
  it('marks the appointment arrived from 30 minutes before the start, once', async () => {
    const me = await patient();
    const id = await appointment(me.id, 10 * MINUTE);
    const res = await me.client.post(`/api/appointments/${id}/arrive`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'arrived', arrivedAt: expect.any(String) });
    const again = await me.client.post(`/api/appointments/${id}/arrive`);
    expect(again.statusCode).toBe(200);
    expect(again.json().arrivedAt).toBe(res.json().arrivedAt);
    expect(await auditRows(me.id, 'update')).toEqual([
      expect.objectContaining({ resource_type: 'Appointment', resource_id: id }),
    ]);
    // Arrived: the forms are now for the front desk.
    const checkIn = await me.client.post(`/api/appointments/${id}/check-in`, valid(me));
    expect(checkIn.json().error.code).toBe('check_in_arrived');
  });

  it('is refused too early, saying when it opens, and too late', async () => {
    const me = await patient();
    const early = await appointment(me.id, 2 * HOUR);
    const res = await me.client.post(`/api/appointments/${early}/arrive`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'arrival_not_yet',
      message: expect.stringMatching(/30 minutes before/),
    });
    const startsAt = (await me.client.get(`/api/appointments/${early}`)).json().startsAt;
    expect(res.json().error.details.opensAt).toBe(
      new Date(new Date(startsAt).getTime() - 30 * MINUTE).toISOString(),
    );
    const late = await appointment(me.id, -20 * MINUTE);
    const after = await me.client.post(`/api/appointments/${late}/arrive`);
    expect(after.statusCode).toBe(409);
    expect(after.json().error.code).toBe('arrival_too_late');
  });
});

describe("another patient's check-in", () => {
  it('cannot be read, sent or used to arrive: 404, and the refusal is audited', async () => {
    const a = await patient();
    const b = await patient();
    const id = await appointment(b.id, 5 * MINUTE);
    const since = await lastAuditId(db());
    const tries = [
      await a.client.get(`/api/appointments/${id}/check-in`),
      await a.client.post(`/api/appointments/${id}/check-in`, valid(b)),
      await a.client.post(`/api/appointments/${id}/arrive`),
    ];
    for (const res of tries) {
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('Lisinopril');
    }
    const denied = await db()
      .selectFrom('audit_events')
      .select(['resource_id', 'details'])
      .where('id', '>', since)
      .where('action', '=', 'access_denied')
      .execute();
    expect(denied.map((d) => d.resource_id)).toEqual([id, id, id]);
    const untouched = await db()
      .selectFrom('appointments')
      .select(['status', 'arrived_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(untouched).toEqual({ status: 'booked', arrived_at: null });
  });
});

describe('staff review', () => {
  let reviewClinic: { id: string };
  let nurse: Client;
  let nurseId: string;
  let elsewhere: Client;
  let elsewhereId: string;
  let soon: string;
  let later: string;
  let reviewed: string;
  let theirs: string;
  let me: Patient;

  beforeAll(async () => {
    reviewClinic = await createClinic(db());
    const by = (await createProvider(db(), reviewClinic.id)).id;
    const type = (
      await createVisitType(db(), reviewClinic.id, [by], { questionnaire: JSON.stringify(office) })
    ).id;
    const at = (who: Patient, hours: number) =>
      appointment(who.id, hours * HOUR, 'booked', reviewClinic.id, by, type);
    me = await patient(reviewClinic.id);
    const other = await patient(reviewClinic.id);
    // One check-in per appointment, sent through the API; one of them already reviewed.
    later = await at(me, 60);
    soon = await at(me, 30);
    reviewed = await at(other, 10);
    for (const [who, id] of [
      [me, later],
      [me, soon],
      [other, reviewed],
    ] as const)
      expect(
        (await who.client.post(`/api/appointments/${id}/check-in`, valid(who))).statusCode,
      ).toBe(200);
    await db()
      .updateTable('appointment_checkins')
      .set({ reviewed_at: new Date() })
      .where('appointment_id', '=', reviewed)
      .execute();
    // A check-in at another clinic: out of this nurse's reach.
    const otherProvider = await createProvider(db(), otherClinic.id);
    const otherType = await createVisitType(db(), otherClinic.id, [otherProvider.id]);
    await db()
      .insertInto('patient_clinics')
      .values({ patient_id: me.id, clinic_id: otherClinic.id, mrn: `MRN-${randomUUID()}` })
      .execute();
    theirs = await appointment(
      me.id,
      70 * HOUR,
      'booked',
      otherClinic.id,
      otherProvider.id,
      otherType.id,
    );
    const { questionnaireResponse: _, ...noAnswers } = valid(me);
    expect(
      (await me.client.post(`/api/appointments/${theirs}/check-in`, noAnswers)).statusCode,
    ).toBe(200);

    const n = await createUser(db(), t.config, {
      roles: [{ role: 'nurse', clinicId: reviewClinic.id }],
      name: 'Nurse Ratched-Kind',
    });
    nurseId = n.id;
    nurse = await signedInClient(t, n);
    const e = await createUser(db(), t.config, {
      roles: [{ role: 'front_desk', clinicId: otherClinic.id }],
    });
    elsewhereId = e.id;
    elsewhere = await signedInClient(t, e);
  });

  it('lists unreviewed check-ins first, soonest visit first, only at the clinics of the staff member', async () => {
    const res = await nurse.get(`/api/staff/check-ins?clinicId=${reviewClinic.id}`);
    expect(res.statusCode).toBe(200);
    const ids = res.json().checkIns.map((c: { appointmentId: string }) => c.appointmentId);
    expect(ids).toEqual([soon, later, reviewed]);
    expect(res.json().checkIns[0]).toMatchObject({
      patient: { id: me.id },
      reviewedAt: null,
      changed: ['demographics', 'insurance', 'medications', 'allergies', 'questionnaire'],
    });
    const all = (await nurse.get('/api/staff/check-ins?show=unreviewed')).json();
    expect(all.checkIns.map((c: { appointmentId: string }) => c.appointmentId)).toEqual([
      soon,
      later,
    ]);
    const theirList = (await elsewhere.get('/api/staff/check-ins')).json();
    expect(theirList.checkIns.map((c: { appointmentId: string }) => c.appointmentId)).toEqual([
      theirs,
    ]);
    // The list is audited: the query and each patient on the page.
    const rows = await db()
      .selectFrom('audit_events')
      .select(['patient_id', 'resource_id'])
      .where('actor_user_id', '=', nurseId)
      .where('action', '=', 'query')
      .where('resource_type', '=', 'CheckIn')
      .execute();
    expect(rows.filter((r) => r.patient_id === me.id).map((r) => r.resource_id)).toEqual(
      expect.arrayContaining([soon, later]),
    );
  });

  it('shows one beside the current values, and marks it reviewed by whoever looked', async () => {
    const detail = await nurse.get(`/api/staff/check-ins/${soon}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json().current.demographics.phone).toBe('+1 555 0100');
    expect(detail.json().changes.demographics.phone).toEqual({
      from: '+1 555 0100',
      to: '+1 555 0199',
    });
    expect(detail.json().questionnaire.url).toBe(office?.url);
    const done = await nurse.post(`/api/staff/check-ins/${soon}/reviewed`);
    expect(done.statusCode).toBe(200);
    expect(done.json().summary).toMatchObject({
      reviewedBy: 'Nurse Ratched-Kind',
      reviewedAt: expect.any(String),
    });
    const events = await db()
      .selectFrom('audit_events')
      .select(['action', 'details'])
      .where('actor_user_id', '=', nurseId)
      .where('resource_id', '=', soon)
      .where('resource_type', '=', 'CheckIn')
      .where('action', 'in', ['view', 'update'])
      .execute();
    expect(events).toEqual([
      { action: 'view', details: null },
      { action: 'update', details: { reviewed: true } },
    ]);
    // Reviewed: the patient's page says so, and a resubmission goes to the front desk instead.
    const page = (await me.client.get(`/api/appointments/${soon}/check-in`)).json();
    expect(page.submission.reviewedAt).not.toBeNull();
    expect(page.checkIn.refusal).toBe('reviewed');
  });

  it("refuses another clinic's check-in with 404, audited", async () => {
    const since = await lastAuditId(db());
    const tries = [
      await elsewhere.get(`/api/staff/check-ins/${later}`),
      await elsewhere.post(`/api/staff/check-ins/${later}/reviewed`),
      await elsewhere.get(`/api/staff/check-ins?clinicId=${reviewClinic.id}`),
    ];
    for (const res of tries) {
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain(me.id);
    }
    const denied = await db()
      .selectFrom('audit_events')
      .select(['resource_id', 'patient_id'])
      .where('id', '>', since)
      .where('actor_user_id', '=', elsewhereId)
      .where('action', '=', 'access_denied')
      .execute();
    expect(denied).toEqual([
      { resource_id: later, patient_id: me.id },
      { resource_id: later, patient_id: me.id },
      { resource_id: reviewClinic.id, patient_id: null },
    ]);
    const still = await db()
      .selectFrom('appointment_checkins')
      .select('reviewed_at')
      .where('appointment_id', '=', later)
      .executeTakeFirstOrThrow();
    expect(still.reviewed_at).toBeNull();
  });

  it('is for staff only', async () => {
    const res = await me.client.get('/api/staff/check-ins');
    expect(res.statusCode).toBe(403);
  });
});
