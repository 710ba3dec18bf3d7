// The patient's refill API over HTTP: what may be asked for and why not,
// submitting (all or nothing, one open request per medication), cancelling,
// answering the care team, the confirmation mail, and nobody else's refill
// within reach.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EhrGateway } from '../src/ehr/gateway/gateway.ts';
import { recordEvent } from '../src/modules/refills/events.ts';
import { type TestApp, testApp } from './support/app.ts';
import { createClinic, createPatient, createUser, signedInClient } from './support/factories.ts';
import {
  cacheMedication,
  createPharmacy,
  dayFromToday,
  dueMedication,
  refillPatient,
} from './support/refills.ts';

let t: TestApp;
let clinic: { id: string; name: string };
let pharmacy: { id: string; name: string };
const db = () => t.database.db;

beforeAll(async () => {
  t = await testApp();
  clinic = await createClinic(db());
  pharmacy = await createPharmacy(db(), clinic.id);
  await createPharmacy(db(), clinic.id);
});
afterAll(() => t?.close());

type Patient = Awaited<ReturnType<typeof refillPatient>>;

const submit = (p: Patient, medicationIds: string[], extra: object = {}) =>
  p.client.post('/api/refills', {
    clinicId: clinic.id,
    medicationIds,
    pharmacyId: pharmacy.id,
    ...extra,
  });

const requestsOf = (patientId: string) =>
  db().selectFrom('refill_requests').selectAll().where('patient_id', '=', patientId).execute();

const mailsTo = (address: string) =>
  db()
    .selectFrom('mail_outbox')
    .select(['subject', 'body'])
    .where('to_address', '=', address)
    .orderBy('created_at')
    .execute();

const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe('the medication list', () => {
  it('says for each medication whether it can be requested online, and why not', async () => {
    const p = await refillPatient(t, clinic.id);
    const due = await cacheMedication(db(), p, dueMedication('Lisinopril 10 MG Oral Tablet'));
    const renewal = await cacheMedication(db(), p, {
      ...dueMedication('Simvastatin 20 MG Oral Tablet'),
      repeatsAllowed: 1,
      filledDaysAgo: [-60, -30],
    });
    const soon = await cacheMedication(db(), p, {
      ...dueMedication('Amlodipine 5 MG Oral Tablet'),
      filledDaysAgo: [-5],
    });
    const stopped = await cacheMedication(db(), p, {
      ...dueMedication('Metformin 500 MG Oral Tablet'),
      status: 'stopped',
    });
    const scheduleII = await cacheMedication(
      db(),
      p,
      dueMedication('Oxycodone Hydrochloride 5 MG Oral Tablet', '1049621'),
    );

    const res = await p.client.get('/api/refills/medications');

    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.clinics).toEqual([{ id: clinic.id, name: clinic.name }]);
    const byId = new Map(body.medications.map((m: { id: string }) => [m.id, m]));
    expect(byId.size).toBe(5);
    expect(byId.get(due)).toMatchObject({
      refillsRemaining: 3,
      daysSupply: 30,
      lastFilledOn: dayFromToday(-30),
      eligibility: { kind: 'refill', refusal: null, availableOn: null },
      openRequest: null,
    });
    expect(byId.get(renewal)).toMatchObject({
      refillsRemaining: 0,
      eligibility: { kind: 'renewal', refusal: null },
    });
    // Available on the day the last fill runs out less the clinic's 7 days (the default).
    expect(byId.get(soon)).toMatchObject({
      eligibility: {
        kind: null,
        refusal: 'too_soon',
        availableOn: addDays(dayFromToday(-5), 30 - 7),
      },
    });
    expect(byId.get(stopped)).toMatchObject({ eligibility: { refusal: 'not_active' } });
    expect(byId.get(scheduleII)).toMatchObject({
      controlledSchedule: 2,
      eligibility: { kind: null, refusal: 'schedule_ii' },
    });
    const audited = await db()
      .selectFrom('audit_events')
      .select(['action', 'resource_type'])
      .where('actor_user_id', '=', p.userId)
      .where('resource_type', '=', 'MedicationRequest')
      .execute();
    expect(audited).toEqual([{ action: 'query', resource_type: 'MedicationRequest' }]);
  });
});

describe('requesting', () => {
  it('requests two medications at a chosen pharmacy, keeps it as the default, and a repeat gets the same requests', async () => {
    const p = await refillPatient(t, clinic.id, { email: `two-${Date.now()}@example.org` });
    const a = await cacheMedication(
      db(),
      p,
      dueMedication('Lisinopril 10 MG Oral Tablet', '314076'),
    );
    const b = await cacheMedication(db(), p, {
      ...dueMedication('Hydrochlorothiazide 25 MG Oral Tablet', '316049'),
      repeatsAllowed: 0,
    });

    const res = await submit(p, [a, b], { savePharmacy: true, note: 'Running low' });

    expect(res.statusCode).toBe(201);
    const { requests } = res.json();
    expect(requests.map((r: { medicationId: string }) => r.medicationId)).toEqual([a, b]);
    expect(requests[0]).toMatchObject({
      patientId: p.id,
      clinicId: clinic.id,
      clinicName: clinic.name,
      medicationName: 'Lisinopril 10 MG Oral Tablet',
      kind: 'refill',
      status: 'requested',
      note: 'Running low',
      pharmacy: { id: pharmacy.id, name: pharmacy.name },
      awaitingAnswer: false,
      events: [{ kind: 'requested', by: null, forPatient: true }],
    });
    expect(requests[1]).toMatchObject({ kind: 'renewal', status: 'requested' });
    const pharmacies = (await p.client.get(`/api/refills/pharmacies?clinicId=${clinic.id}`)).json();
    expect(pharmacies.preferredPharmacyId).toBe(pharmacy.id);
    expect(pharmacies.pharmacies.map((x: { id: string }) => x.id)).toContain(pharmacy.id);
    // Each request goes to the EHR as a Task, and the patient hears it arrived.
    const outbox = await db()
      .selectFrom('ehr_outbox')
      .select('kind')
      .where('patient_id', '=', p.id)
      .execute();
    expect(outbox).toEqual([{ kind: 'refill.request' }, { kind: 'refill.request' }]);
    expect(await mailsTo(await emailOf(p.userId))).toHaveLength(2);
    const meds = (await p.client.get('/api/refills/medications')).json().medications;
    for (const m of meds) {
      const mine = requests.find((r: { medicationId: string }) => r.medicationId === m.id);
      expect(m.openRequest).toEqual({ id: mine.id, status: 'requested' });
      expect(m.eligibility.refusal).toBe('open_request');
    }

    // A double click, a retry or a second tab: the same requests, nothing new.
    const again = await submit(p, [b, a]);
    expect(again.statusCode).toBe(200);
    expect(again.json().requests.map((r: { id: string }) => r.id)).toEqual([
      requests[1].id,
      requests[0].id,
    ]);
    expect(await requestsOf(p.id)).toHaveLength(2);
    const list = (await p.client.get('/api/refills')).json();
    expect(list).toMatchObject({ page: 1, hasMore: false });
    expect(list.requests.map((r: { id: string }) => r.id).sort()).toEqual(
      requests.map((r: { id: string }) => r.id).sort(),
    );
  });

  it('writes nothing when any medication cannot be requested, and says which and why', async () => {
    const p = await refillPatient(t, clinic.id, { email: `none-${Date.now()}@example.org` });
    const due = await cacheMedication(db(), p, dueMedication('Lisinopril 10 MG Oral Tablet'));
    const stopped = await cacheMedication(db(), p, {
      ...dueMedication('Metformin 500 MG Oral Tablet'),
      status: 'stopped',
    });
    const soon = await cacheMedication(db(), p, {
      ...dueMedication('Amlodipine 5 MG Oral Tablet'),
      filledDaysAgo: [-2],
    });

    const res = await submit(p, [due, stopped, soon], { savePharmacy: true });

    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('not_eligible');
    expect(res.json().error.message).not.toMatch(/Metformin|Amlodipine/);
    expect(
      [...res.json().error.details].sort((x, y) => x.medicationId.localeCompare(y.medicationId)),
    ).toEqual(
      [
        { medicationId: stopped, refusal: 'not_active' },
        { medicationId: soon, refusal: 'too_soon' },
      ].sort((x, y) => x.medicationId.localeCompare(y.medicationId)),
    );
    expect(await requestsOf(p.id)).toEqual([]);
    const outbox = await db()
      .selectFrom('ehr_outbox')
      .select('id')
      .where('patient_id', '=', p.id)
      .execute();
    expect(outbox).toEqual([]);
    expect(await mailsTo(await emailOf(p.userId))).toEqual([]);
    const saved = await db()
      .selectFrom('patient_pharmacies')
      .select('pharmacy_id')
      .where('patient_id', '=', p.id)
      .execute();
    expect(saved).toEqual([]);
  });

  it('refuses a pharmacy outside the clinic and a clinic the patient is not registered at', async () => {
    const p = await refillPatient(t, clinic.id);
    const due = await cacheMedication(db(), p, dueMedication('Lisinopril 10 MG Oral Tablet'));
    const elsewhere = await createClinic(db());
    const theirs = await createPharmacy(db(), elsewhere.id);

    const wrongPharmacy = await submit(p, [due], { pharmacyId: theirs.id });
    expect(wrongPharmacy.statusCode).toBe(400);
    expect(wrongPharmacy.json().error).toMatchObject({
      code: 'validation_failed',
      details: [expect.objectContaining({ field: 'pharmacyId' })],
    });
    const wrongClinic = await p.client.get(`/api/refills/pharmacies?clinicId=${elsewhere.id}`);
    expect(wrongClinic.statusCode).toBe(404);
    const denied = await db()
      .selectFrom('audit_events')
      .select(['clinic_id'])
      .where('actor_user_id', '=', p.userId)
      .where('action', '=', 'access_denied')
      .execute();
    expect(denied).toEqual([{ clinic_id: elsewhere.id }]);
    expect(await requestsOf(p.id)).toEqual([]);
  });
});

describe('following a request', () => {
  it('cancels while undecided, and not after', async () => {
    const p = await refillPatient(t, clinic.id);
    const med = await cacheMedication(db(), p, dueMedication('Lisinopril 10 MG Oral Tablet'));
    const [request] = (await submit(p, [med])).json().requests;

    const res = await p.client.post(`/api/refills/${request.id}/cancel`);

    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('cancelled');
    expect(res.json().events.map((e: { kind: string }) => e.kind)).toEqual([
      'requested',
      'cancelled',
    ]);
    const twice = await p.client.post(`/api/refills/${request.id}/cancel`);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error).toMatchObject({ code: 'not_cancellable' });
    expect(twice.json().error.message).toMatch(/already cancelled/);
    // Cancelled is no longer open: the medication can be asked for again, as a new request.
    const anew = await submit(p, [med]);
    expect(anew.statusCode).toBe(201);
    expect(anew.json().requests[0].id).not.toBe(request.id);
  });

  it("answers the care team's question once, and only when one is waiting", async () => {
    const p = await refillPatient(t, clinic.id);
    const med = await cacheMedication(db(), p, dueMedication('Lisinopril 10 MG Oral Tablet'));
    const [request] = (await submit(p, [med])).json().requests;
    const early = await p.client.post(`/api/refills/${request.id}/answer`, { text: 'Hello' });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('no_question');
    const nurse = await createUser(db(), t.config, {
      roles: [{ role: 'nurse', clinicId: clinic.id }],
    });
    await recordEvent(db(), request.id, 'question', {
      text: 'Are you still taking it once a day?',
      actorUserId: nurse.id,
    });
    await recordEvent(db(), request.id, 'note', { text: 'Staff only', actorUserId: nurse.id });
    expect((await p.client.get(`/api/refills/${request.id}`)).json().awaitingAnswer).toBe(true);

    const res = await p.client.post(`/api/refills/${request.id}/answer`, { text: 'Yes, daily.' });

    expect(res.statusCode).toBe(200);
    expect(res.json().awaitingAnswer).toBe(false);
    // The patient sees the question and their answer, never the staff's notes or names.
    expect(res.json().events).toEqual([
      expect.objectContaining({ kind: 'requested' }),
      expect.objectContaining({
        kind: 'question',
        text: 'Are you still taking it once a day?',
        by: null,
      }),
      expect.objectContaining({ kind: 'answer', text: 'Yes, daily.', by: null }),
    ]);
    const again = await p.client.post(`/api/refills/${request.id}/answer`, { text: 'Again' });
    expect(again.statusCode).toBe(409);
  });

  it('mails the patient without naming the medication, in their language', async () => {
    const email = `es-${Date.now()}@example.org`;
    const p = await refillPatient(t, clinic.id, { email, language: 'es' });
    const name = 'Levothyroxine Sodium 0.05 MG Oral Tablet';
    const med = await cacheMedication(db(), p, dueMedication(name, '966222'));
    const [request] = (await submit(p, [med], { note: 'Thyroid dose' })).json().requests;

    const [mail] = await mailsTo(email);

    expect(mail?.subject).toBe('Recibimos su solicitud de resurtido');
    expect(mail?.body).toContain(`${t.config.publicUrl}/refills/${request.id}`);
    expect(mail?.body).toContain(clinic.name);
    for (const word of [
      ...name.split(' ').filter((w) => /[a-z]{4,}/i.test(w)),
      '966222',
      'Thyroid',
      pharmacy.name,
    ])
      expect(`${mail?.subject}\n${mail?.body}`).not.toContain(word);
  });
});

describe('another patient', () => {
  it('cannot request, see, cancel or answer a refill that is not theirs: 404, audited', async () => {
    const owner = await refillPatient(t, clinic.id);
    const med = await cacheMedication(db(), owner, dueMedication('Lisinopril 10 MG Oral Tablet'));
    const [request] = (await submit(owner, [med])).json().requests;
    const stranger = await refillPatient(t, clinic.id);

    const answers = [
      await submit(stranger, [med]),
      await stranger.client.get(`/api/refills/${request.id}`),
      await stranger.client.post(`/api/refills/${request.id}/cancel`),
      await stranger.client.post(`/api/refills/${request.id}/answer`, { text: 'Hi' }),
    ];

    for (const res of answers) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect((await stranger.client.get('/api/refills')).json().requests).toEqual([]);
    const [mine] = await requestsOf(owner.id);
    expect(mine).toMatchObject({ id: request.id, status: 'requested' });
    expect(await requestsOf(stranger.id)).toEqual([]);
    const denied = await db()
      .selectFrom('audit_events')
      .select(['resource_type', 'resource_id', 'patient_id', 'details'])
      .where('actor_user_id', '=', stranger.userId)
      .where('action', '=', 'access_denied')
      .orderBy('id')
      .execute();
    expect(denied.map((d) => [d.resource_type, d.resource_id, d.patient_id])).toEqual([
      ['MedicationRequest', med, stranger.id],
      ['RefillRequest', request.id, stranger.id],
      ['RefillRequest', request.id, stranger.id],
      ['RefillRequest', request.id, stranger.id],
    ]);
  });

  it('a caregiver acting for a dependent requests for them', async () => {
    const child = await createPatient(db(), { clinicId: clinic.id, givenName: 'Dependent' });
    const ehrPatientId = `ehr-child-${child.id.slice(0, 8)}`;
    await db()
      .updateTable('patients')
      .set({ ehr_patient_id: ehrPatientId })
      .where('id', '=', child.id)
      .execute();
    const med = await cacheMedication(
      db(),
      { id: child.id, ehrPatientId },
      dueMedication('Albuterol 0.09 MG/ACTUAT Metered Dose Inhaler'),
    );
    const admin = await createUser(db(), t.config, {
      roles: [{ role: 'clinic_admin', clinicId: clinic.id }],
    });
    const parent = await createUser(db(), t.config, {
      roles: [{ role: 'patient', clinicId: null }],
    });
    await db()
      .insertInto('proxy_grants')
      .values({
        proxy_user_id: parent.id,
        patient_id: child.id,
        relationship: 'parent',
        expires_at: new Date(Date.now() + 86_400_000),
        granted_by: admin.id,
      })
      .execute();
    const client = await signedInClient(t, parent, { actingForPatientId: child.id });

    const meds = (await client.get('/api/refills/medications')).json().medications;
    expect(meds.map((m: { id: string }) => m.id)).toEqual([med]);
    const res = await client.post('/api/refills', {
      clinicId: clinic.id,
      medicationIds: [med],
      pharmacyId: pharmacy.id,
    });

    expect(res.statusCode).toBe(201);
    expect(res.json().requests[0]).toMatchObject({ patientId: child.id, medicationId: med });
    const [row] = await requestsOf(child.id);
    expect(row).toMatchObject({ requested_by: parent.id, status: 'requested' });
    const created = await db()
      .selectFrom('audit_events')
      .select(['acting_for_patient_id', 'patient_id'])
      .where('actor_user_id', '=', parent.id)
      .where('action', '=', 'create')
      .execute();
    expect(created).toEqual([{ acting_for_patient_id: child.id, patient_id: child.id }]);
  });
});

async function emailOf(userId: string): Promise<string> {
  const u = await db()
    .selectFrom('users')
    .select('email')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return u.email;
}

/** Today on the clinics' calendar (the test clinics are in Chicago). */
const chicagoToday = () =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago' }).format();

/** The request as the write-back leaves it once the EHR has the new order: sent. */
async function markSent(requestId: string, newOrderId: string) {
  await db()
    .updateTable('refill_requests')
    .set({ status: 'sent', new_ehr_medication_request_id: newOrderId })
    .where('id', '=', requestId)
    .execute();
  await recordEvent(db(), requestId, 'sent');
}

const eligibilityOf = async (p: Patient, id: string, query = '') => {
  const res = await p.client.get(`/api/refills/medications${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().medications.find((m: { id: string }) => m.id === id).eligibility;
};

describe('a refill just sent', () => {
  it('counts as the last fill: the drug and its new order are too soon until the supply runs low', async () => {
    const p = await refillPatient(t, clinic.id);
    const med = await cacheMedication(db(), p, dueMedication('Lisinopril 10 MG Oral Tablet'));
    // The new order, synced back before any dispense of it.
    const newOrder = await cacheMedication(db(), p, {
      name: 'Lisinopril 10 MG Oral Tablet',
      repeatsAllowed: 3,
      supplyDays: 30,
    });
    const [request] = (await submit(p, [med])).json().requests;
    await markSent(request.id, newOrder);

    // 30 days of supply from today, less the clinic's default 7 early days.
    const availableOn = addDays(chicagoToday(), 23);
    for (const id of [med, newOrder])
      expect(await eligibilityOf(p, id)).toEqual({ kind: null, refusal: 'too_soon', availableOn });
    const again = await submit(p, [med]);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details).toEqual([{ medicationId: med, refusal: 'too_soon' }]);
  });

  it('with no known supply reads as a request still open for 30 days', async () => {
    const p = await refillPatient(t, clinic.id);
    const med = await cacheMedication(db(), p, { name: 'Metformin 500 MG Oral Tablet' });
    const [request] = (await submit(p, [med])).json().requests;
    await markSent(request.id, `medreq-new-${request.id.slice(0, 8)}`);
    expect(await eligibilityOf(p, med)).toEqual({
      kind: null,
      refusal: 'open_request',
      availableOn: null,
    });
    // Sent 31 days ago: asked for again as usual.
    await db()
      .updateTable('refill_events')
      .set({ created_at: new Date(Date.now() - 31 * 86_400_000) })
      .where('request_id', '=', request.id)
      .where('kind', '=', 'sent')
      .execute();
    expect(await eligibilityOf(p, med)).toMatchObject({ refusal: null, kind: 'refill' });
  });
});

describe('the clinic the medications are judged for', () => {
  it('is the one asked for (default the first registration), with its own rules, as submitting does', async () => {
    const p = await refillPatient(t, clinic.id);
    const second = await createClinic(db());
    const secondPharmacy = await createPharmacy(db(), second.id);
    await db()
      .insertInto('patient_clinics')
      .values({
        patient_id: p.id,
        clinic_id: second.id,
        mrn: `MRN-${p.id.slice(0, 8)}`,
        registered_at: new Date(Date.now() + 60_000),
      })
      .execute();
    // The second clinic allows no early requests: 25 days into a 30-day fill is too soon there.
    await db().insertInto('refill_rules').values({ clinic_id: second.id, early_days: 0 }).execute();
    const med = await cacheMedication(db(), p, {
      name: 'Atorvastatin 20 MG Oral Tablet',
      repeatsAllowed: 3,
      supplyDays: 30,
      filledDaysAgo: [-25],
    });

    const first = (await p.client.get('/api/refills/medications')).json();
    expect(first.clinicId).toBe(clinic.id);
    expect(first.clinics.map((c: { id: string }) => c.id)).toEqual([clinic.id, second.id]);
    expect(await eligibilityOf(p, med)).toMatchObject({ refusal: null });

    const there = (await p.client.get(`/api/refills/medications?clinicId=${second.id}`)).json();
    expect(there.clinicId).toBe(second.id);
    expect(await eligibilityOf(p, med, `?clinicId=${second.id}`)).toMatchObject({
      refusal: 'too_soon',
    });
    const refused = await submit(p, [med], { clinicId: second.id, pharmacyId: secondPharmacy.id });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.details).toEqual([{ medicationId: med, refusal: 'too_soon' }]);

    const elsewhere = await createClinic(db());
    const stranger = await p.client.get(`/api/refills/medications?clinicId=${elsewhere.id}`);
    expect(stranger.statusCode).toBe(404);
    const denied = await db()
      .selectFrom('audit_events')
      .select(['clinic_id', 'details'])
      .where('actor_user_id', '=', p.userId)
      .where('action', '=', 'access_denied')
      .execute();
    expect(denied).toEqual([{ clinic_id: elsewhere.id, details: { attempted: 'query' } }]);
  });
});

describe('texts the patient writes', () => {
  it('refuses a note or an answer of spaces only (400 naming the field) and keeps them trimmed', async () => {
    const p = await refillPatient(t, clinic.id);
    const med = await cacheMedication(db(), p, dueMedication('Lisinopril 10 MG Oral Tablet'));
    const blank = await submit(p, [med], { note: '  \n ' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().error.details).toEqual([expect.objectContaining({ field: 'note' })]);
    expect(await requestsOf(p.id)).toEqual([]);

    const [request] = (await submit(p, [med], { note: '  Running low \n' })).json().requests;
    expect(request.note).toBe('Running low');
    await recordEvent(db(), request.id, 'question', { text: 'Still daily?' });
    const blankAnswer = await p.client.post(`/api/refills/${request.id}/answer`, { text: '   ' });
    expect(blankAnswer.statusCode).toBe(400);
    expect(blankAnswer.json().error.details).toEqual([expect.objectContaining({ field: 'text' })]);
    const answered = await p.client.post(`/api/refills/${request.id}/answer`, { text: ' Yes. ' });
    expect(answered.json().events.at(-1)).toMatchObject({ kind: 'answer', text: 'Yes.' });
  });
});

describe('a patient not linked to the EHR', () => {
  it('is asked to call the clinic instead of requesting online (409), where the portal has an EHR', async () => {
    const unused = new Proxy({} as EhrGateway, {
      get() {
        throw new Error('the EHR is not asked');
      },
    });
    const withEhr = await testApp({ database: t.database, ehr: unused });
    try {
      const p = await refillPatient(withEhr, clinic.id);
      const med = await cacheMedication(db(), p, dueMedication('Lisinopril 10 MG Oral Tablet'));
      await db()
        .updateTable('patients')
        .set({ ehr_patient_id: null })
        .where('id', '=', p.id)
        .execute();
      const res = await p.client.post('/api/refills', {
        clinicId: clinic.id,
        medicationIds: [med],
        pharmacyId: pharmacy.id,
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('not_linked');
      expect(res.json().error.message).toMatch(/call the clinic/);
      expect(await requestsOf(p.id)).toEqual([]);
    } finally {
      await withEhr.close();
    }
  });
});
