// The staff inbox over HTTP: staff reach only the pools they work at their
// clinics (anything else an audited 404), the reply clock and overdue flag,
// search, assignment, statuses, internal notes that never reach the
// patient, hand-off to a provider, staff starting a thread, and templates
// (written by the clinic admin only, audited, filled for a thread).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { threadPage } from '../src/modules/messaging/inbox.ts';
import { SEND_LIMIT, STAFF_SEND_LIMIT } from '../src/modules/messaging/routes.ts';
import { fillTemplate } from '../src/modules/messaging/template-routes.ts';
import { communicationKey } from '../src/modules/messaging/writeback.ts';
import { hashToken } from '../src/platform/crypto/crypto.ts';
import { addBusinessDays } from '../src/platform/time/business-days.ts';
import { type TestApp, testApp } from './support/app.ts';
import { auditSince as auditRows, lastAuditId } from './support/audit.ts';
import type { Client } from './support/client.ts';
import {
  type MessagingPerson,
  mailsTo,
  messagingClinic,
  messagingPatient,
  messagingStaff,
  startConversation,
} from './support/messaging.ts';

let t: TestApp;
const db = () => t.database.db;
type Staff = Awaited<ReturnType<typeof messagingStaff>>;
let clinic: { id: string; name: string };
let elsewhere: { id: string; name: string };
let patient: MessagingPerson;
let farPatient: MessagingPerson;
let nurse: Staff;
let colleague: Staff;
let frontDesk: Staff;
let provider: Staff;
let admin: Staff;
let strangerNurse: Staff;
let strangerAdmin: Staff;

beforeAll(async () => {
  t = await testApp();
  clinic = await messagingClinic(db(), 'Riverside Family Medicine');
  elsewhere = await messagingClinic(db());
  patient = await messagingPatient(t, clinic.id, { givenName: 'Rosalía' });
  farPatient = await messagingPatient(t, elsewhere.id);
  nurse = await messagingStaff(t, clinic.id, 'nurse', 'Nora Nurse');
  colleague = await messagingStaff(t, clinic.id, 'nurse', 'Carl Colleague');
  frontDesk = await messagingStaff(t, clinic.id, 'front_desk', 'Fran Desk');
  provider = await messagingStaff(t, clinic.id, 'provider', 'Dr. Pia Provider');
  admin = await messagingStaff(t, clinic.id, 'clinic_admin', 'Ada Admin');
  strangerNurse = await messagingStaff(t, elsewhere.id, 'nurse');
  strangerAdmin = await messagingStaff(t, elsewhere.id, 'clinic_admin');
});
afterAll(() => t?.close());

const poolId = async (clinicId: string, topic: string) =>
  (
    await db()
      .selectFrom('message_pools')
      .select('id')
      .where('clinic_id', '=', clinicId)
      .where('topic', '=', topic as never)
      .executeTakeFirstOrThrow()
  ).id;

const thread = (id: string) =>
  db().selectFrom('message_threads').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const auditSince = (since: number, actorId: string) =>
  auditRows(db(), since, actorId, [
    'action',
    'outcome',
    'resource_type',
    'resource_id',
    'patient_id',
    'clinic_id',
  ]);

const threads = (who: { client: Client }, query = '') =>
  who.client.get(`/api/staff/messages/threads?clinicId=${clinic.id}${query}`);
const threadIds = async (who: { client: Client }, query = '') => {
  const res = await threads(who, query);
  expect(res.statusCode).toBe(200);
  return (res.json().threads as { id: string }[]).map((x) => x.id);
};

describe('who sees what', () => {
  let medical: string;
  let appointment: string;
  beforeAll(async () => {
    medical = (await startConversation(patient, clinic.id, { topic: 'medical' })).id;
    appointment = (await startConversation(patient, clinic.id, { topic: 'appointment' })).id;
  });

  it('lists only the pools each person works at the clinic; a clinic admin reads them all', async () => {
    const topics = async (s: Staff) => {
      const res = await s.client.get(`/api/staff/messages/pools?clinicId=${clinic.id}`);
      expect(res.statusCode).toBe(200);
      return (res.json().pools as { topic: string }[]).map((p) => p.topic);
    };
    expect(await topics(nurse)).toEqual(['medical', 'refill', 'other']);
    expect(await topics(frontDesk)).toEqual(['appointment', 'other']);
    expect(await topics(admin)).toEqual(['medical', 'appointment', 'billing', 'refill', 'other']);
    const res = await nurse.client.get(`/api/staff/messages/pools?clinicId=${clinic.id}`);
    const pools = res.json().pools as {
      topic: string;
      counts: { new: number; unassigned: number };
      staff: { name: string }[];
    }[];
    const med = pools.find((p) => p.topic === 'medical');
    expect(med?.counts.new).toBeGreaterThanOrEqual(1);
    expect(med?.counts.unassigned).toBeGreaterThanOrEqual(1);
    expect(med?.staff.map((s) => s.name)).toEqual(
      expect.arrayContaining(['Nora Nurse', 'Dr. Pia Provider']),
    );
    expect(med?.staff.map((s) => s.name)).not.toContain('Fran Desk');
    expect((res.json().providers as { id: string }[]).map((p) => p.id)).toEqual([provider.userId]);
  });

  it("refuses another clinic's pools and threads with an audited 404", async () => {
    const since = await lastAuditId(db());
    const pools = await strangerNurse.client.get(`/api/staff/messages/pools?clinicId=${clinic.id}`);
    expect(pools.statusCode).toBe(404);
    expect((await threads(strangerNurse)).statusCode).toBe(404);
    const open = await strangerNurse.client.get(`/api/staff/messages/threads/${medical}`);
    expect(open.statusCode).toBe(404);
    const write = await strangerNurse.client.post(
      `/api/staff/messages/threads/${medical}/messages`,
      {
        body: 'Hello',
      },
    );
    expect(write.statusCode).toBe(404);
    const denied = await auditSince(since, strangerNurse.userId);
    expect(denied).toHaveLength(4);
    expect(denied.every((a) => a.action === 'access_denied' && a.outcome === 'failure')).toBe(true);
    expect(denied[2]).toMatchObject({
      resource_type: 'Communication',
      resource_id: medical,
      patient_id: patient.id,
      clinic_id: clinic.id,
    });
  });

  it("refuses a thread of a pool the person's role does not work, audited with the patient", async () => {
    const since = await lastAuditId(db());
    expect((await frontDesk.client.get(`/api/staff/messages/threads/${medical}`)).statusCode).toBe(
      404,
    );
    expect((await nurse.client.get(`/api/staff/messages/threads/${appointment}`)).statusCode).toBe(
      404,
    );
    const pool = await poolId(clinic.id, 'appointment');
    expect((await threads(nurse, `&poolId=${pool}`)).statusCode).toBe(404);
    const denied = [
      ...(await auditSince(since, frontDesk.userId)),
      ...(await auditSince(since, nurse.userId)),
    ];
    expect(denied.map((a) => a.action)).toEqual([
      'access_denied',
      'access_denied',
      'access_denied',
    ]);
    expect(denied[0]).toMatchObject({ resource_id: medical, patient_id: patient.id });
    expect(denied[1]).toMatchObject({ resource_id: appointment, patient_id: patient.id });
  });

  it("lists the pools' threads to those who work them, and audits each thread listed", async () => {
    const since = await lastAuditId(db());
    const nurseSees = await threadIds(nurse);
    expect(nurseSees).toContain(medical);
    expect(nurseSees).not.toContain(appointment);
    const deskSees = await threadIds(frontDesk);
    expect(deskSees).toContain(appointment);
    expect(deskSees).not.toContain(medical);
    const adminSees = await threadIds(admin);
    expect(adminSees).toEqual(expect.arrayContaining([medical, appointment]));
    const listed = await auditSince(since, nurse.userId);
    expect(listed).toContainEqual(
      expect.objectContaining({ action: 'query', resource_id: medical, patient_id: patient.id }),
    );
  });

  it('opens a thread for staff with who wrote it, audited as a view of the patient', async () => {
    const since = await lastAuditId(db());
    const res = await nurse.client.get(`/api/staff/messages/threads/${medical}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: medical,
      patientId: patient.id,
      patientName: expect.stringContaining('Rosalía'),
      subject: 'A question about my visit',
    });
    expect(res.json().messages[0].authorName).toEqual(expect.any(String));
    expect(await auditSince(since, nurse.userId)).toEqual([
      expect.objectContaining({
        action: 'view',
        resource_type: 'Communication',
        resource_id: medical,
        patient_id: patient.id,
      }),
    ]);
  });
});

describe('the list', () => {
  /** As if the thread, and the patient's message waiting in it, came in at `at`. */
  const backdate = (id: string, at: Date) =>
    db()
      .updateTable('message_threads')
      .set({ created_at: at, last_message_at: at, awaiting_reply_since: at })
      .where('id', '=', id)
      .execute();
  const listed = async (id: string) =>
    (await nurse.client.get(`/api/staff/messages/threads/${id}`)).json();
  const medicalOverdue = async () =>
    (
      (await nurse.client.get(`/api/staff/messages/pools?clinicId=${clinic.id}`)).json().pools as {
        topic: string;
        counts: { overdue: number };
      }[]
    ).find((p) => p.topic === 'medical')?.counts.overdue ?? 0;

  it('puts the longest waiting first, with the reply due time on the clinic calendar and overdue flags', async () => {
    const old = (await startConversation(patient, clinic.id, { subject: 'Old question' })).id;
    // Friday 6 March 2026, 10:00 in Chicago: due two business days on, Tuesday.
    const created = new Date('2026-03-06T16:00:00Z');
    await backdate(old, created);
    const fresh = (await startConversation(patient, clinic.id, { subject: 'Fresh question' })).id;
    const res = await threads(nurse);
    const list = res.json().threads as {
      id: string;
      replyDueAt: string;
      overdue: boolean;
      lastMessageAt: string;
    }[];
    const ids = list.map((x) => x.id);
    expect(ids.indexOf(old)).toBe(0);
    expect(ids.indexOf(old)).toBeLessThan(ids.indexOf(fresh));
    const times = list.map((x) => x.lastMessageAt);
    expect(times).toEqual([...times].sort());
    const late = list.find((x) => x.id === old);
    expect(late?.replyDueAt).toBe(addBusinessDays(created, 2, 'America/Chicago').toISOString());
    expect(late?.replyDueAt).toBe('2026-03-10T15:00:00.000Z');
    expect(late?.overdue).toBe(true);
    expect(list.find((x) => x.id === fresh)?.overdue).toBe(false);
    const pools = await nurse.client.get(`/api/staff/messages/pools?clinicId=${clinic.id}`);
    const medical = (pools.json().pools as { topic: string; counts: { overdue: number } }[]).find(
      (p) => p.topic === 'medical',
    );
    expect(medical?.counts.overdue).toBe(1);
  });

  it('never flags a closed thread overdue, though nobody replied in time', async () => {
    const id = (await startConversation(patient, clinic.id, { subject: 'Long ago' })).id;
    await backdate(id, new Date('2026-01-05T16:00:00Z'));
    expect((await threads(nurse)).json().threads).toContainEqual(
      expect.objectContaining({ id, overdue: true }),
    );
    const closed = await nurse.client.post(`/api/staff/messages/threads/${id}/status`, {
      status: 'closed',
    });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', overdue: false });
    expect((await threads(nurse, '&status=closed')).json().threads).toContainEqual(
      expect.objectContaining({ id, overdue: false }),
    );
  });

  it('a thread the patient reopens is due again and can be overdue', async () => {
    const writer = await messagingPatient(t, clinic.id);
    const id = (await startConversation(writer, clinic.id, { subject: 'Reopened' })).id;
    await nurse.client.post(`/api/staff/messages/threads/${id}/messages`, { body: 'Done.' });
    await nurse.client.post(`/api/staff/messages/threads/${id}/status`, { status: 'closed' });
    expect(await listed(id)).toMatchObject({ replyDueAt: null, overdue: false });
    const before = await medicalOverdue();

    const again = await writer.client.post(`/api/messages/threads/${id}/messages`, {
      body: 'It came back.',
    });
    expect(again.statusCode).toBe(201);
    const sent = new Date(again.json().createdAt);
    expect(await listed(id)).toMatchObject({
      status: 'new',
      replyDueAt: addBusinessDays(sent, 2, 'America/Chicago').toISOString(),
      overdue: false,
    });
    // Reopened on Friday 6 March 2026: due Tuesday, long past.
    await backdate(id, new Date('2026-03-06T16:00:00Z'));
    expect(await listed(id)).toMatchObject({
      replyDueAt: '2026-03-10T15:00:00.000Z',
      overdue: true,
    });
    expect(await medicalOverdue()).toBe(before + 1);
    // The first reply was long ago: the "time to first reply" measure keeps it.
    expect((await thread(id)).first_staff_reply_at).not.toBeNull();
  });

  it('a second patient question after a staff reply is due again', async () => {
    const writer = await messagingPatient(t, clinic.id);
    const id = (await startConversation(writer, clinic.id, { subject: 'Follow-up' })).id;
    await nurse.client.post(`/api/staff/messages/threads/${id}/messages`, { body: 'Rest it.' });
    expect(await listed(id)).toMatchObject({ replyDueAt: null, overdue: false });

    const asked = await writer.client.post(`/api/messages/threads/${id}/messages`, {
      body: 'For how long?',
    });
    const since = new Date(asked.json().createdAt);
    // A third message does not move the clock: the oldest unanswered one counts.
    await writer.client.post(`/api/messages/threads/${id}/messages`, { body: 'Hello?' });
    expect((await thread(id)).awaiting_reply_since?.toISOString()).toBe(since.toISOString());
    expect(await listed(id)).toMatchObject({
      replyDueAt: addBusinessDays(since, 2, 'America/Chicago').toISOString(),
      overdue: false,
    });
    await backdate(id, new Date('2026-03-06T16:00:00Z'));
    expect(await listed(id)).toMatchObject({ overdue: true });
    // An internal note answers nobody; a reply to the patient does.
    await nurse.client.post(`/api/staff/messages/threads/${id}/messages`, {
      body: 'Ask the doctor',
      internal: true,
    });
    expect(await listed(id)).toMatchObject({ overdue: true });
    await nurse.client.post(`/api/staff/messages/threads/${id}/messages`, { body: 'A week.' });
    expect(await listed(id)).toMatchObject({ replyDueAt: null, overdue: false });
  });

  it('finds threads by the patient name or by the (encrypted) subject', async () => {
    const other = await messagingPatient(t, clinic.id, { givenName: 'Bartholomew' });
    const his = (await startConversation(other, clinic.id, { subject: 'Knee swelling again' })).id;
    const hers = (await startConversation(patient, clinic.id, { subject: 'Rash on my arm' })).id;
    expect(await threadIds(nurse, '&q=bartholomew')).toEqual([his]);
    expect(await threadIds(nurse, '&q=KNEE%20swell')).toEqual([his]);
    const rash = await threadIds(nurse, '&q=rash');
    expect(rash).toEqual([hers]);
    // Accents do not matter either way.
    expect(await threadIds(nurse, '&q=rosalia')).toContain(hers);
    expect(await threadIds(nurse, '&q=nothing-like-this')).toEqual([]);
    expect((await threads(nurse, '&q=rash')).json().searchLimited).toBe(false);
  });

  it('says when a search read only the threads waiting longest', async () => {
    const pools = await db()
      .selectFrom('message_pools')
      .selectAll()
      .where('clinic_id', '=', clinic.id)
      .execute();
    const inbox = { id: clinic.id, name: 'Clinic', time_zone: 'America/Chicago', pools };
    const search = { status: 'open' as const, assigned: 'any' as const, q: 'a', page: 1 };
    const all = await threadPage(db(), t.config, inbox, search, nurse.userId);
    expect(all.threads.length).toBeGreaterThan(1);
    expect(all.searchLimited).toBe(false);
    // Read at most one: the one waiting longest, and the caller is told there were more.
    const one = await threadPage(db(), t.config, inbox, search, nurse.userId, 1);
    expect(one.searchLimited).toBe(true);
    expect(one.threads.map((x) => x.id)).toEqual(all.threads.slice(0, 1).map((x) => x.id));
  });
});

describe('working a thread', () => {
  let id: string;
  beforeAll(async () => {
    id = (await startConversation(patient, clinic.id, { subject: 'Dizzy in the mornings' })).id;
  });

  it('assigns to oneself, which puts a new thread in progress, and lists it under "me"', async () => {
    expect((await thread(id)).status).toBe('new');
    const res = await nurse.client.post(`/api/staff/messages/threads/${id}/assign`, {
      userId: nurse.userId,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'in_progress',
      assignedTo: { id: nurse.userId, name: 'Nora Nurse' },
    });
    expect(await threadIds(nurse, '&assigned=me')).toContain(id);
    expect(await threadIds(colleague, '&assigned=me')).not.toContain(id);
    expect(await threadIds(colleague, '&assigned=unassigned')).not.toContain(id);
    // Who works it is the clinic's business: the patient's answer does not say.
    expect((await patient.client.get(`/api/messages/threads/${id}`)).json().assignedTo).toBeNull();
  });

  it('assigns to a colleague who works the pool, and back to nobody', async () => {
    const since = await lastAuditId(db());
    const res = await nurse.client.post(`/api/staff/messages/threads/${id}/assign`, {
      userId: colleague.userId,
    });
    expect(res.statusCode).toBe(200);
    expect((await thread(id)).assigned_user_id).toBe(colleague.userId);
    expect(await auditSince(since, nurse.userId)).toContainEqual(
      expect.objectContaining({ action: 'update', resource_id: id, patient_id: patient.id }),
    );
    const back = await nurse.client.post(`/api/staff/messages/threads/${id}/assign`, {
      userId: null,
    });
    expect(back.statusCode).toBe(200);
    expect(back.json().assignedTo).toBeNull();
    expect(await threadIds(nurse, '&assigned=unassigned')).toContain(id);
  });

  it('assigns to anyone with an inbox role at the clinic, who may then work the thread while it is theirs', async () => {
    const fresh = (await startConversation(patient, clinic.id, { subject: 'A form for school' }))
      .id;
    const res = await nurse.client.post(`/api/staff/messages/threads/${fresh}/assign`, {
      userId: frontDesk.userId,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().assignedTo).toMatchObject({ id: frontDesk.userId });
    // The medical pool is not the front desk's, but the thread is now theirs.
    expect(await threadIds(frontDesk, '&assigned=me')).toContain(fresh);
    expect((await frontDesk.client.get(`/api/staff/messages/threads/${fresh}`)).statusCode).toBe(
      200,
    );
    const reply = await frontDesk.client.post(`/api/staff/messages/threads/${fresh}/messages`, {
      body: 'The form is ready at the front desk.',
    });
    expect(reply.statusCode).toBe(201);
    // Given back to the pool, the front desk is refused again, audited.
    await nurse.client.post(`/api/staff/messages/threads/${fresh}/assign`, { userId: null });
    const since = await lastAuditId(db());
    expect((await frontDesk.client.get(`/api/staff/messages/threads/${fresh}`)).statusCode).toBe(
      404,
    );
    expect(await threadIds(frontDesk)).not.toContain(fresh);
    expect(await auditSince(since, frontDesk.userId)).toContainEqual(
      expect.objectContaining({ action: 'access_denied', resource_id: fresh }),
    );
  });

  it('refuses to assign to someone without an inbox role at this clinic, naming userId', async () => {
    for (const who of [strangerNurse.userId, patient.userId]) {
      const res = await nurse.client.post(`/api/staff/messages/threads/${id}/assign`, {
        userId: who,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual([expect.objectContaining({ field: 'userId' })]);
    }
    expect((await thread(id)).assigned_user_id).toBeNull();
  });

  it('sets each status, and only a known one', async () => {
    for (const status of ['waiting_for_patient', 'closed', 'in_progress']) {
      const res = await nurse.client.post(`/api/staff/messages/threads/${id}/status`, { status });
      expect(res.statusCode).toBe(200);
      expect(res.json().status).toBe(status);
      expect((await thread(id)).status).toBe(status);
    }
    const closed = await nurse.client.post(`/api/staff/messages/threads/${id}/status`, {
      status: 'closed',
    });
    expect(closed.statusCode).toBe(200);
    expect(await threadIds(nurse)).not.toContain(id);
    expect(await threadIds(nurse, '&status=closed')).toContain(id);
    const bad = await nurse.client.post(`/api/staff/messages/threads/${id}/status`, {
      status: 'archived',
    });
    expect(bad.statusCode).toBe(400);
    expect((await thread(id)).status).toBe('closed');
  });

  it('keeps an internal note from the patient: no mail, no write-back, not in their API', async () => {
    const mails = (await mailsTo(db(), patient.email)).length;
    const res = await nurse.client.post(`/api/staff/messages/threads/${id}/messages`, {
      body: 'Check her BP log before replying',
      internal: true,
    });
    expect(res.statusCode).toBe(201);
    const note = (res.json().messages as { id: string; internal: boolean; body: string }[]).find(
      (m) => m.body === 'Check her BP log before replying',
    );
    expect(note).toMatchObject({ internal: true, authorName: 'Nora Nurse', fromStaff: true });
    expect((await mailsTo(db(), patient.email)).length).toBe(mails);
    const queued = await db()
      .selectFrom('ehr_outbox')
      .select('id')
      .where('idempotency_key', '=', communicationKey(note?.id as string))
      .execute();
    expect(queued).toEqual([]);
    const seen = await patient.client.get(`/api/messages/threads/${id}`);
    expect(seen.statusCode).toBe(200);
    const bodies = (seen.json().messages as { id: string; body: string }[]).map((m) => m.id);
    expect(bodies).not.toContain(note?.id);
    expect(seen.body).not.toContain('BP log');
  });

  it('replies to the patient: the first reply stops the clock, mails the patient, and is written back', async () => {
    const fresh = (await startConversation(patient, clinic.id, { subject: 'Refill timing' })).id;
    const mails = (await mailsTo(db(), patient.email)).length;
    const res = await nurse.client.post(`/api/staff/messages/threads/${fresh}/messages`, {
      body: 'Yes, take it with breakfast.',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().status).toBe('in_progress');
    const row = await thread(fresh);
    expect(row.first_staff_reply_at).not.toBeNull();
    expect((await mailsTo(db(), patient.email)).length).toBe(mails + 1);
    const reply = (res.json().messages as { id: string; body: string }[]).find(
      (m) => m.body === 'Yes, take it with breakfast.',
    );
    const queued = await db()
      .selectFrom('ehr_outbox')
      .select('id')
      .where('idempotency_key', '=', communicationKey(reply?.id as string))
      .execute();
    expect(queued).toHaveLength(1);
    const seen = await patient.client.get(`/api/messages/threads/${fresh}`);
    expect(seen.body).toContain('Yes, take it with breakfast.');
  });

  it('limits how many a staff member sends in a short time (429), at a higher bar than patients', async () => {
    const fresh = (await startConversation(patient, clinic.id, { subject: 'Many replies' })).id;
    // The writer has used up their allowance: the next reply is refused and nothing is written.
    await db()
      .insertInto('request_limits')
      .values({
        key_hash: hashToken(`messages:${colleague.userId}`),
        attempts: STAFF_SEND_LIMIT.max,
      })
      .onConflict((oc) => oc.column('key_hash').doUpdateSet({ attempts: STAFF_SEND_LIMIT.max }))
      .execute();
    const res = await colleague.client.post(`/api/staff/messages/threads/${fresh}/messages`, {
      body: 'One more',
    });
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('too_many_messages');
    expect((await thread(fresh)).first_staff_reply_at).toBeNull();
    expect(STAFF_SEND_LIMIT.max).toBeGreaterThan(SEND_LIMIT.max);
  });

  it('hands off to a provider of the clinic with a note for them', async () => {
    const fresh = (await startConversation(patient, clinic.id, { subject: 'New symptom' })).id;
    const res = await nurse.client.post(`/api/staff/messages/threads/${fresh}/handoff`, {
      providerUserId: provider.userId,
      note: 'Please review: new symptom since the dose change.',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'in_progress',
      assignedTo: { id: provider.userId, name: 'Dr. Pia Provider' },
    });
    const note = (res.json().messages as { body: string; internal: boolean }[]).find((m) =>
      m.body.startsWith('Please review'),
    );
    expect(note?.internal).toBe(true);
    expect(await threadIds(provider, '&assigned=me')).toContain(fresh);
    const patientView = await patient.client.get(`/api/messages/threads/${fresh}`);
    expect(patientView.body).not.toContain('Please review');
  });

  it('hands off to any provider of the clinic, even one outside the pool, who then works the thread', async () => {
    const fresh = (
      await startConversation(patient, clinic.id, { topic: 'appointment', subject: 'Which visit?' })
    ).id;
    const res = await frontDesk.client.post(`/api/staff/messages/threads/${fresh}/handoff`, {
      providerUserId: provider.userId,
      note: 'Does she need a visit for this?',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().assignedTo).toMatchObject({ id: provider.userId });
    expect(await threadIds(provider, '&assigned=me')).toContain(fresh);
    const opened = await provider.client.get(`/api/staff/messages/threads/${fresh}`);
    expect(opened.statusCode).toBe(200);
    expect(opened.body).toContain('Does she need a visit for this?');
    const reply = await provider.client.post(`/api/staff/messages/threads/${fresh}/messages`, {
      body: 'No visit needed; we can talk by phone.',
    });
    expect(reply.statusCode).toBe(201);
    const status = await provider.client.post(`/api/staff/messages/threads/${fresh}/status`, {
      status: 'waiting_for_patient',
    });
    expect(status.statusCode).toBe(200);
    // Someone who neither works the pool nor holds the thread is still refused, audited.
    const since = await lastAuditId(db());
    expect((await nurse.client.get(`/api/staff/messages/threads/${fresh}`)).statusCode).toBe(404);
    expect(await auditSince(since, nurse.userId)).toEqual([
      expect.objectContaining({ action: 'access_denied', resource_id: fresh }),
    ]);
  });

  it('refuses a hand-off to someone who is not a provider of the clinic, naming providerUserId', async () => {
    const fresh = (await startConversation(patient, clinic.id)).id;
    for (const who of [colleague.userId, admin.userId]) {
      const res = await nurse.client.post(`/api/staff/messages/threads/${fresh}/handoff`, {
        providerUserId: who,
        note: 'Over to you',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details).toEqual([
        expect.objectContaining({ field: 'providerUserId' }),
      ]);
    }
    const row = await thread(fresh);
    expect(row.assigned_user_id).toBeNull();
    expect(row.status).toBe('new');
  });
});

describe('staff starting a thread', () => {
  it('writes to a patient of the clinic, who is mailed and can read it', async () => {
    const mails = (await mailsTo(db(), patient.email)).length;
    const res = await nurse.client.post('/api/staff/messages/threads', {
      clinicId: clinic.id,
      patientId: patient.id,
      topic: 'medical',
      subject: 'Your lab results',
      body: 'Your results are in; please book a follow-up.',
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().id as string;
    expect(res.json()).toMatchObject({
      status: 'waiting_for_patient',
      assignedTo: { id: nurse.userId },
      overdue: false,
    });
    const row = await thread(id);
    expect(row).toMatchObject({ started_by_staff: true, started_by: nurse.userId });
    expect((await mailsTo(db(), patient.email)).length).toBe(mails + 1);
    const seen = await patient.client.get(`/api/messages/threads/${id}`);
    expect(seen.statusCode).toBe(200);
    expect(seen.json().subject).toBe('Your lab results');
  });

  it('refuses a patient not registered at the clinic (audited) and a topic the writer does not answer', async () => {
    const since = await lastAuditId(db());
    const far = await nurse.client.post('/api/staff/messages/threads', {
      clinicId: clinic.id,
      patientId: farPatient.id,
      topic: 'medical',
      subject: 'Hello',
      body: 'Hello',
    });
    expect(far.statusCode).toBe(404);
    expect(await auditSince(since, nurse.userId)).toEqual([
      expect.objectContaining({ action: 'access_denied', patient_id: farPatient.id }),
    ]);
    const billing = await nurse.client.post('/api/staff/messages/threads', {
      clinicId: clinic.id,
      patientId: patient.id,
      topic: 'billing',
      subject: 'Hello',
      body: 'Hello',
    });
    expect(billing.statusCode).toBe(400);
    expect(billing.json().error.details).toEqual([expect.objectContaining({ field: 'topic' })]);
  });
});

describe('templates', () => {
  const template = {
    name: 'Results are in',
    body: {
      en: 'Hi {{patientFirstName}}, {{clinicName}} has your results. — {{staffName}}',
      es: 'Hola {{patientFirstName}}, {{clinicName}} tiene sus resultados. — {{staffName}}',
    },
  };
  let templateId: string;

  it('lets only the clinic admin add one, audited', async () => {
    const byNurse = await nurse.client.post('/api/staff/messages/templates', {
      clinicId: clinic.id,
      ...template,
    });
    expect(byNurse.statusCode).toBe(403);
    const since = await lastAuditId(db());
    const byStranger = await strangerAdmin.client.post('/api/staff/messages/templates', {
      clinicId: clinic.id,
      ...template,
    });
    expect(byStranger.statusCode).toBe(404);
    expect(await auditSince(since, strangerAdmin.userId)).toEqual([
      expect.objectContaining({ action: 'access_denied', clinic_id: clinic.id }),
    ]);
    const res = await admin.client.post('/api/staff/messages/templates', {
      clinicId: clinic.id,
      ...template,
    });
    expect(res.statusCode).toBe(201);
    templateId = res.json().id;
    expect(res.json()).toMatchObject({ clinicId: clinic.id, ...template });
    expect(await auditSince(since, admin.userId)).toEqual([
      expect.objectContaining({
        action: 'create',
        resource_type: 'MessageTemplate',
        resource_id: templateId,
      }),
    ]);
    const twice = await admin.client.post('/api/staff/messages/templates', {
      clinicId: clinic.id,
      ...template,
    });
    expect(twice.statusCode).toBe(409);
  });

  it('lists them to the inbox, not to another clinic', async () => {
    const res = await nurse.client.get(`/api/staff/messages/templates?clinicId=${clinic.id}`);
    expect(res.statusCode).toBe(200);
    expect((res.json() as { id: string }[]).map((x) => x.id)).toEqual([templateId]);
    const far = await strangerNurse.client.get(
      `/api/staff/messages/templates?clinicId=${clinic.id}`,
    );
    expect(far.statusCode).toBe(404);
  });

  it("fills one for a thread in the patient's language, or the one asked for", async () => {
    const id = (await startConversation(patient, clinic.id)).id;
    const res = await nurse.client.get(`/api/staff/messages/threads/${id}/templates/${templateId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().body).toBe(
      'Hi Rosalía, Riverside Family Medicine has your results. — Nora Nurse',
    );
    const es = await nurse.client.get(
      `/api/staff/messages/threads/${id}/templates/${templateId}?language=es`,
    );
    expect(es.json().body).toBe(
      'Hola Rosalía, Riverside Family Medicine tiene sus resultados. — Nora Nurse',
    );
    const far = (await startConversation(farPatient, elsewhere.id)).id;
    const denied = await nurse.client.get(
      `/api/staff/messages/threads/${far}/templates/${templateId}`,
    );
    expect(denied.statusCode).toBe(404);
  });

  it('leaves a placeholder it does not know as written, even one named like a built-in', () => {
    const values = { patientFirstName: 'Rosalía' };
    expect(
      fillTemplate(
        'Hi {{patientFirstName}} {{constructor}} {{toString}} {{__proto__}} {{hasOwnProperty}} {{unknown}}',
        values,
      ),
    ).toBe('Hi Rosalía {{constructor}} {{toString}} {{__proto__}} {{hasOwnProperty}} {{unknown}}');
  });

  it('lets the clinic admin change and remove it, audited; not another clinic admin', async () => {
    const since = await lastAuditId(db());
    const stranger = await strangerAdmin.client.patch(
      `/api/staff/messages/templates/${templateId}`,
      { name: 'Mine now' },
    );
    expect(stranger.statusCode).toBe(404);
    const res = await admin.client.patch(`/api/staff/messages/templates/${templateId}`, {
      name: 'Lab results',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Lab results', body: template.body });
    const removedByNurse = await nurse.client.delete(`/api/staff/messages/templates/${templateId}`);
    expect(removedByNurse.statusCode).toBe(403);
    const removed = await admin.client.delete(`/api/staff/messages/templates/${templateId}`);
    expect(removed.statusCode).toBe(204);
    const left = await db()
      .selectFrom('message_templates')
      .select('id')
      .where('id', '=', templateId)
      .execute();
    expect(left).toEqual([]);
    expect((await auditSince(since, admin.userId)).map((a) => a.action)).toEqual([
      'update',
      'delete',
    ]);
    expect((await auditSince(since, strangerAdmin.userId)).map((a) => a.action)).toEqual([
      'access_denied',
    ]);
  });
});
