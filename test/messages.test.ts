// The patient's messaging API over HTTP: the clinics and topics, starting a
// conversation and replying, nobody else's conversation within reach, the
// care team's internal notes never shown, text kept verbatim, the send
// limit, the notice mail and its opt-out, and drafts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClinics } from '../src/modules/clinics/demo.ts';
import { addClinic } from '../src/modules/clinics/store.ts';
import { demoTemplates, seedMessagingDemo } from '../src/modules/messaging/demo.ts';
import { SEND_LIMIT } from '../src/modules/messaging/routes.ts';
import { type TestApp, testApp } from './support/app.ts';
import { testDatabase } from './support/database.ts';
import { createClinic, createPatient } from './support/factories.ts';
import {
  anotherSession,
  auditsOf,
  caregiverOf,
  mailsTo,
  messagingClinic,
  messagingPatient,
  messagingStaff,
  staffWrites,
  startConversation,
} from './support/messaging.ts';

let t: TestApp;
let clinic: { id: string; name: string };
let nurse: { userId: string };
const db = () => t.database.db;

beforeAll(async () => {
  t = await testApp();
  clinic = await messagingClinic(db());
  nurse = await messagingStaff(t, clinic.id, 'nurse', 'Nurse Rivera');
});
afterAll(() => t?.close());

/** Whether the text appears anywhere in the rows' raw bytes. */
const inClear = (rows: Record<string, unknown>[], text: string) =>
  rows.some((r) =>
    Object.values(r).some(
      (v) =>
        (v instanceof Uint8Array && Buffer.from(v).includes(Buffer.from(text))) ||
        (typeof v === 'string' && v.includes(text)),
    ),
  );

describe('the clinics a patient can write to', () => {
  it('lists the clinics the patient is registered at, with their topics in order', async () => {
    const me = await messagingPatient(t, clinic.id);
    const other = await messagingClinic(db());
    const res = await me.client.get('/api/messages/clinics');
    expect(res.statusCode).toBe(200);
    const { clinics } = res.json();
    expect(clinics.map((c: { clinicId: string }) => c.clinicId)).toEqual([clinic.id]);
    expect(clinics.map((c: { clinicId: string }) => c.clinicId)).not.toContain(other.id);
    const topics = clinics[0].topics;
    expect(topics.map((x: { topic: string }) => x.topic)).toEqual([
      'medical',
      'appointment',
      'billing',
      'refill',
      'other',
    ]);
    expect(topics.find((x: { topic: string }) => x.topic === 'billing')).toMatchObject({
      targetBusinessDays: 3,
      name: { en: 'Billing', es: 'Facturación' },
    });
    expect(await auditsOf(db(), me.userId, 'query')).toEqual([
      expect.objectContaining({ resource_type: 'Communication', patient_id: me.id }),
    ]);
  });
});

describe('starting a conversation', () => {
  it('routes it to the topic’s pool, answers the thread, and keeps no text in clear', async () => {
    const me = await messagingPatient(t, clinic.id);
    const subject = 'Rash after the new cream';
    const body = 'It started on Tuesday and itches at night.';
    const res = await me.client.post('/api/messages/threads', {
      clinicId: clinic.id,
      topic: 'medical',
      subject,
      body,
    });
    expect(res.statusCode).toBe(201);
    const view = res.json();
    expect(view).toMatchObject({
      clinicId: clinic.id,
      clinicName: clinic.name,
      patientId: me.id,
      patientName: null,
      topic: 'medical',
      subject,
      status: 'new',
      replyDueAt: null,
      overdue: false,
      targetBusinessDays: 2,
    });
    expect(view.messages).toEqual([
      expect.objectContaining({ body, fromStaff: false, internal: false, readAt: null }),
    ]);
    const thread = await db()
      .selectFrom('message_threads as t')
      .innerJoin('message_pools as p', 'p.id', 't.pool_id')
      .select(['p.topic', 't.started_by', 't.started_by_staff'])
      .where('t.id', '=', view.id)
      .executeTakeFirstOrThrow();
    expect(thread).toEqual({ topic: 'medical', started_by: me.userId, started_by_staff: false });
    const threads = await db().selectFrom('message_threads').selectAll().execute();
    const messages = await db().selectFrom('messages').selectAll().execute();
    expect(inClear(threads, subject)).toBe(false);
    expect(inClear(messages, body)).toBe(false);
    expect(await auditsOf(db(), me.userId, 'create')).toEqual([
      expect.objectContaining({
        resource_type: 'Communication',
        resource_id: view.id,
        patient_id: me.id,
        clinic_id: clinic.id,
      }),
    ]);
  });

  it('is refused at a clinic the patient is not registered at (404, audited)', async () => {
    const me = await messagingPatient(t, clinic.id);
    const elsewhere = await messagingClinic(db());
    const res = await me.client.post('/api/messages/threads', {
      clinicId: elsewhere.id,
      topic: 'medical',
      subject: 'Hello',
      body: 'Can I ask something?',
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    const threads = await db()
      .selectFrom('message_threads')
      .select('id')
      .where('patient_id', '=', me.id)
      .execute();
    expect(threads).toEqual([]);
    expect(await auditsOf(db(), me.userId, 'access_denied')).toEqual([
      expect.objectContaining({
        resource_type: 'Communication',
        clinic_id: elsewhere.id,
        outcome: 'failure',
      }),
    ]);
  });

  it('refuses a reply once the patient is no longer registered at the clinic (404, audited)', async () => {
    const me = await messagingPatient(t, clinic.id);
    const thread = await startConversation(me, clinic.id);
    await db()
      .deleteFrom('patient_clinics')
      .where('patient_id', '=', me.id)
      .where('clinic_id', '=', clinic.id)
      .execute();
    const res = await me.client.post(`/api/messages/threads/${thread.id}/messages`, {
      body: 'Still there?',
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    const messages = await db()
      .selectFrom('messages')
      .select('id')
      .where('thread_id', '=', thread.id)
      .execute();
    expect(messages).toHaveLength(1);
    expect(await auditsOf(db(), me.userId, 'access_denied')).toEqual([
      expect.objectContaining({
        resource_type: 'Communication',
        patient_id: me.id,
        clinic_id: clinic.id,
        outcome: 'failure',
        details: expect.objectContaining({ attempted: 'reply', reason: 'not_registered' }),
      }),
    ]);
  });

  it('says so when the clinic takes no messages about the topic', async () => {
    const bare = await createClinic(db());
    await db()
      .insertInto('message_pools')
      .values({
        clinic_id: bare.id,
        topic: 'appointment',
        name_en: 'Appointment',
        name_es: 'Cita',
        roles: ['front_desk'],
      })
      .execute();
    const me = await messagingPatient(t, bare.id);
    const res = await me.client.post('/api/messages/threads', {
      clinicId: bare.id,
      topic: 'billing',
      subject: 'My bill',
      body: 'Why was I charged twice?',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('topic_not_offered');
  });
});

describe('replying and the list', () => {
  it('lists conversations by latest activity and moves the thread’s status on', async () => {
    const me = await messagingPatient(t, clinic.id);
    const first = await startConversation(me, clinic.id, { subject: 'First' });
    const second = await startConversation(me, clinic.id, { subject: 'Second' });
    let list = (await me.client.get('/api/messages/threads')).json();
    expect(list.threads.map((x: { id: string }) => x.id)).toEqual([second.id, first.id]);
    expect(list.hasMore).toBe(false);
    expect(list.threads[0]).toMatchObject({ patientName: null, replyDueAt: null });

    await db()
      .updateTable('message_threads')
      .set({ status: 'waiting_for_patient' })
      .where('id', '=', first.id)
      .execute();
    const res = await me.client.post(`/api/messages/threads/${first.id}/messages`, {
      body: 'Here is the photo you asked for.',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      body: 'Here is the photo you asked for.',
      fromStaff: false,
      readAt: null,
    });
    list = (await me.client.get('/api/messages/threads')).json();
    expect(list.threads.map((x: { id: string; status: string }) => [x.id, x.status])).toEqual([
      [first.id, 'in_progress'],
      [second.id, 'new'],
    ]);
  });

  it('opens a closed conversation again as new when the patient writes', async () => {
    const me = await messagingPatient(t, clinic.id);
    const thread = await startConversation(me, clinic.id);
    await staffWrites(t, thread.id, nurse.userId, 'Glad to help.');
    await db()
      .updateTable('message_threads')
      .set({ status: 'closed' })
      .where('id', '=', thread.id)
      .execute();
    const res = await me.client.post(`/api/messages/threads/${thread.id}/messages`, {
      body: 'One more thing.',
    });
    expect(res.statusCode).toBe(201);
    const view = (await me.client.get(`/api/messages/threads/${thread.id}`)).json();
    expect(view.status).toBe('new');
    expect(view.messages.map((m: { body: string }) => m.body)).toEqual([
      'Should I keep taking it with food?',
      'Glad to help.',
      'One more thing.',
    ]);
  });
});

describe('someone else’s conversation', () => {
  it('is not found for another patient: reading, replying, listing, drafts (all audited)', async () => {
    const owner = await messagingPatient(t, clinic.id);
    const stranger = await messagingPatient(t, clinic.id);
    const thread = await startConversation(owner, clinic.id);

    const read = await stranger.client.get(`/api/messages/threads/${thread.id}`);
    const post = await stranger.client.post(`/api/messages/threads/${thread.id}/messages`, {
      body: 'Let me in',
    });
    const draft = await stranger.client.put('/api/messages/drafts', {
      threadId: thread.id,
      body: 'x',
    });
    for (const res of [read, post, draft]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    const list = (await stranger.client.get('/api/messages/threads')).json();
    expect(list.threads).toEqual([]);
    const denied = await auditsOf(db(), stranger.userId, 'access_denied');
    expect(denied.map((a) => [a.resource_type, a.resource_id, a.outcome])).toEqual([
      ['Communication', thread.id, 'failure'],
      ['Communication', thread.id, 'failure'],
      ['Communication', thread.id, 'failure'],
    ]);
    const messages = await db()
      .selectFrom('messages')
      .select('id')
      .where('thread_id', '=', thread.id)
      .execute();
    expect(messages).toHaveLength(1);
  });

  it('is a caregiver’s to read and answer while acting for the patient', async () => {
    const child = await messagingPatient(t, clinic.id, { givenName: 'Sam' });
    const parent = await caregiverOf(t, child.id);
    const thread = await startConversation(parent, clinic.id, { body: 'Sam has a fever.' });
    await staffWrites(t, thread.id, nurse.userId, 'How high is it?');
    const view = (await parent.client.get(`/api/messages/threads/${thread.id}`)).json();
    expect(view.patientId).toBe(child.id);
    expect(view.messages.map((m: { body: string }) => m.body)).toEqual([
      'Sam has a fever.',
      'How high is it?',
    ]);
    const res = await parent.client.post(`/api/messages/threads/${thread.id}/messages`, {
      body: '38.5 this morning.',
    });
    expect(res.statusCode).toBe(201);
    // The patient sees the conversation their caregiver wrote.
    const own = (await child.client.get('/api/messages/threads')).json();
    expect(own.threads.map((x: { id: string }) => x.id)).toEqual([thread.id]);
    const row = await db()
      .selectFrom('messages')
      .select('author_user_id')
      .where('id', '=', res.json().id)
      .executeTakeFirstOrThrow();
    expect(row.author_user_id).toBe(parent.userId);
    expect(await auditsOf(db(), parent.userId, 'create')).toHaveLength(2);
  });
});

describe('internal notes', () => {
  it('never reach the patient: not in the thread, the list order, nor the unread count', async () => {
    const me = await messagingPatient(t, clinic.id);
    const thread = await startConversation(me, clinic.id);
    const before = (await me.client.get('/api/messages/threads')).json().threads[0];
    const note = await staffWrites(t, thread.id, nurse.userId, 'Internal: check labs first', true);
    const view = (await me.client.get(`/api/messages/threads/${thread.id}`)).json();
    expect(view.messages.map((m: { id: string }) => m.id)).not.toContain(note);
    expect(JSON.stringify(view)).not.toContain('check labs');
    const after = (await me.client.get('/api/messages/threads')).json().threads[0];
    expect(after.lastMessageAt).toBe(before.lastMessageAt);
    expect((await me.client.get('/api/messages/unread')).json().unread).toBe(0);
    const reply = await me.client.post(`/api/messages/threads/${thread.id}/messages`, {
      body: 'Any news?',
    });
    expect(JSON.stringify(reply.json())).not.toContain('check labs');
    expect(await mailsTo(db(), me.email)).toEqual([]);
  });
});

describe('what people write', () => {
  const payloads = [
    '<script>alert("x")</script>',
    '<img src=x onerror=alert(1)>',
    '"><svg/onload=alert(document.cookie)>',
    "javascript:alert('x') &amp; &lt;b&gt; {{constructor}} \u202e ünïcödé 👩‍⚕️",
  ];

  it('comes back byte for byte, and the notice mail holds none of it', async () => {
    const me = await messagingPatient(t, clinic.id);
    for (const payload of payloads) {
      const subject = `Question ${payload}`.slice(0, 200);
      const body = `Body ${payload}\nsecond line\ttabbed`;
      const started = await me.client.post('/api/messages/threads', {
        clinicId: clinic.id,
        topic: 'other',
        subject,
        body,
      });
      expect(started.statusCode).toBe(201);
      const id = started.json().id;
      const staffText = `Reply ${payload}`;
      await staffWrites(t, id, nurse.userId, staffText);
      const view = (await me.client.get(`/api/messages/threads/${id}`)).json();
      expect(view.subject).toBe(subject);
      expect(view.messages.map((m: { body: string }) => m.body)).toEqual([body, staffText]);
    }
    const mails = await mailsTo(db(), me.email);
    expect(mails).toHaveLength(payloads.length);
    for (const mail of mails)
      for (const payload of payloads) {
        expect(mail.subject).not.toContain(payload);
        expect(mail.body).not.toContain(payload);
      }
  });
});

describe('the send limit', () => {
  it('refuses a message over the per-person limit with 429 and says how long to wait', async () => {
    const me = await messagingPatient(t, clinic.id);
    const thread = await startConversation(me, clinic.id);
    for (let i = 1; i < SEND_LIMIT.max; i++) {
      const res = await me.client.post(`/api/messages/threads/${thread.id}/messages`, {
        body: `Message ${i}`,
      });
      expect(res.statusCode).toBe(201);
    }
    const over = await me.client.post(`/api/messages/threads/${thread.id}/messages`, {
      body: 'One too many',
    });
    expect(over.statusCode).toBe(429);
    expect(over.json().error).toMatchObject({ code: 'too_many_messages' });
    expect(over.json().error.message).toContain(`${SEND_LIMIT.windowMinutes} minutes`);
    const count = await db()
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('thread_id', '=', thread.id)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(SEND_LIMIT.max);
    // The limit is the person's: someone else writes on.
    const other = await messagingPatient(t, clinic.id);
    await startConversation(other, clinic.id);
  });
});

describe('the send limit and refused sends', () => {
  it('counts only the messages that were sent', async () => {
    const me = await messagingPatient(t, clinic.id);
    const thread = await startConversation(me, clinic.id);
    // Refused sends: attachments that are not the patient's uploads.
    for (let i = 0; i < SEND_LIMIT.max; i++) {
      const refused = await me.client.post(`/api/messages/threads/${thread.id}/messages`, {
        body: `With a file ${i}`,
        attachmentIds: [crypto.randomUUID()],
      });
      expect(refused.statusCode).toBe(400);
    }
    // The started conversation was one send; the rest of the allowance is left.
    for (let i = 1; i < SEND_LIMIT.max; i++) {
      const res = await me.client.post(`/api/messages/threads/${thread.id}/messages`, {
        body: `Message ${i}`,
      });
      expect(res.statusCode).toBe(201);
    }
    const over = await me.client.post(`/api/messages/threads/${thread.id}/messages`, {
      body: 'One too many',
    });
    expect(over.statusCode).toBe(429);
  });
});

describe('the notice mail', () => {
  it('names the clinic and links to the conversation, with no subject, topic or text', async () => {
    const me = await messagingPatient(t, clinic.id);
    const thread = await startConversation(me, clinic.id, {
      topic: 'refill',
      subject: 'Metformin refill',
      body: 'I am out of metformin.',
    });
    // Patients' own messages mail nobody.
    expect(await mailsTo(db(), me.email)).toEqual([]);
    await staffWrites(t, thread.id, nurse.userId, 'Sent your metformin to the pharmacy.');
    const mails = await mailsTo(db(), me.email);
    expect(mails).toHaveLength(1);
    const mail = mails[0] as (typeof mails)[number];
    expect(mail.subject).toBe(`You have a new message from ${clinic.name}`);
    expect(mail.body).toContain(`${t.config.publicUrl}/messages/${thread.id}`);
    for (const secret of ['Metformin', 'metformin', 'refill', 'Refill', 'Nurse Rivera'])
      expect(`${mail.subject}\n${mail.body}`).not.toContain(secret);
  });

  it('is in Spanish for a patient who reads Spanish', async () => {
    const me = await messagingPatient(t, clinic.id, { language: 'es' });
    const thread = await startConversation(me, clinic.id);
    await staffWrites(t, thread.id, nurse.userId, 'Hola');
    const mails = await mailsTo(db(), me.email);
    expect(mails.map((m) => m.subject)).toEqual([`Tiene un mensaje nuevo de ${clinic.name}`]);
  });

  it('goes to each caregiver acting for the patient who wants it, with no content', async () => {
    const child = await messagingPatient(t, clinic.id);
    const parent = await caregiverOf(t, child.id);
    const quiet = await caregiverOf(t, child.id);
    await db()
      .updateTable('users')
      .set({ message_email: false })
      .where('id', '=', quiet.userId)
      .execute();
    const former = await caregiverOf(t, child.id);
    await db()
      .updateTable('proxy_grants')
      .set({ revoked_at: new Date() })
      .where('proxy_user_id', '=', former.userId)
      .execute();
    const lapsed = await caregiverOf(t, child.id);
    await db()
      .updateTable('proxy_grants')
      .set({
        granted_at: new Date(Date.now() - 2 * 86_400_000),
        expires_at: new Date(Date.now() - 60_000),
      })
      .where('proxy_user_id', '=', lapsed.userId)
      .execute();
    const thread = await startConversation(parent, clinic.id, { body: 'Sam has a rash.' });
    await staffWrites(t, thread.id, nurse.userId, 'Use the hydrocortisone cream.');
    for (const who of [child, parent]) {
      const mails = await mailsTo(db(), who.email);
      expect(mails.map((m) => m.subject)).toEqual([`You have a new message from ${clinic.name}`]);
      expect(mails[0]?.body).toContain(`${t.config.publicUrl}/messages/${thread.id}`);
      for (const secret of ['rash', 'hydrocortisone', 'Nurse Rivera'])
        expect(`${mails[0]?.subject}\n${mails[0]?.body}`).not.toContain(secret);
    }
    for (const who of [quiet, former, lapsed]) expect(await mailsTo(db(), who.email)).toEqual([]);
  });

  it('goes to the address on the record of a patient without an account', async () => {
    const email = `no-account-${crypto.randomUUID()}@example.org`;
    const patient = await createPatient(db(), { clinicId: clinic.id, email });
    const parent = await caregiverOf(t, patient.id);
    const thread = await startConversation(parent, clinic.id);
    await staffWrites(t, thread.id, nurse.userId, 'We can see Sam tomorrow.');
    expect((await mailsTo(db(), email)).map((m) => m.subject)).toEqual([
      `You have a new message from ${clinic.name}`,
    ]);
    expect(await mailsTo(db(), parent.email)).toHaveLength(1);
  });

  it('is not sent once the patient turns it off', async () => {
    const me = await messagingPatient(t, clinic.id);
    expect((await me.client.get('/api/account/message-email')).json()).toEqual({ email: true });
    const off = await me.client.put('/api/account/message-email', { email: false });
    expect(off.statusCode).toBe(200);
    expect((await me.client.get('/api/account/message-email')).json()).toEqual({ email: false });
    const thread = await startConversation(me, clinic.id);
    await staffWrites(t, thread.id, nurse.userId, 'We got it.');
    expect(await mailsTo(db(), me.email)).toEqual([]);
    expect(await auditsOf(db(), me.userId, 'update')).toEqual([
      expect.objectContaining({ resource_type: 'Account', resource_id: me.userId }),
    ]);
  });
});

describe('drafts', () => {
  it('are kept sealed, read back on another device, and gone once sent', async () => {
    const me = await messagingPatient(t, clinic.id);
    const text = 'Half-written question about my knee';
    const saved = await me.client.put('/api/messages/drafts', { threadId: null, body: text });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().draft).toMatchObject({ threadId: null, body: text });
    const rows = await db()
      .selectFrom('message_drafts')
      .selectAll()
      .where('user_id', '=', me.userId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(inClear(rows, text)).toBe(false);

    const phone = await anotherSession(t, me);
    expect((await phone.get('/api/messages/drafts')).json().draft.body).toBe(text);
    const edited = `${text}, now finished.`;
    await phone.put('/api/messages/drafts', { threadId: null, body: edited });
    expect((await me.client.get('/api/messages/drafts')).json().draft.body).toBe(edited);
    expect(
      await db()
        .selectFrom('message_drafts')
        .select('id')
        .where('user_id', '=', me.userId)
        .execute(),
    ).toHaveLength(1);

    const thread = await startConversation(me, clinic.id, { body: edited });
    expect((await me.client.get('/api/messages/drafts')).json().draft).toBeNull();

    await me.client.put('/api/messages/drafts', { threadId: thread.id, body: 'A reply…' });
    const replyDraft = await me.client.get(`/api/messages/drafts?threadId=${thread.id}`);
    expect(replyDraft.json().draft).toMatchObject({ threadId: thread.id, body: 'A reply…' });
    await me.client.post(`/api/messages/threads/${thread.id}/messages`, { body: 'A reply.' });
    expect(
      (await me.client.get(`/api/messages/drafts?threadId=${thread.id}`)).json().draft,
    ).toBeNull();
  });

  it("keep a new conversation's clinic, topic and subject (sealed), not a reply's", async () => {
    const me = await messagingPatient(t, clinic.id);
    const subject = 'Swollen left knee';
    const saved = await me.client.put('/api/messages/drafts', {
      threadId: null,
      clinicId: clinic.id,
      topic: 'medical',
      subject,
      body: '',
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().draft).toMatchObject({ clinicId: clinic.id, topic: 'medical', subject });
    const rows = await db()
      .selectFrom('message_drafts')
      .selectAll()
      .where('user_id', '=', me.userId)
      .execute();
    expect(rows).toMatchObject([{ clinic_id: clinic.id, topic: 'medical' }]);
    expect(inClear(rows, subject)).toBe(false);
    const phone = await anotherSession(t, me);
    expect((await phone.get('/api/messages/drafts')).json().draft).toMatchObject({
      threadId: null,
      clinicId: clinic.id,
      topic: 'medical',
      subject,
      body: '',
    });

    const thread = await startConversation(me, clinic.id);
    const reply = await me.client.put('/api/messages/drafts', {
      threadId: thread.id,
      clinicId: clinic.id,
      topic: 'billing',
      subject: 'Not kept',
      body: 'A reply…',
    });
    expect(reply.json().draft).toEqual({
      threadId: thread.id,
      body: 'A reply…',
      updatedAt: expect.any(String),
    });
  });

  it("refuse a new conversation's clinic the patient is not registered at (audited)", async () => {
    const me = await messagingPatient(t, clinic.id);
    const other = await messagingClinic(db());
    const res = await me.client.put('/api/messages/drafts', {
      threadId: null,
      clinicId: other.id,
      body: 'Hello',
    });
    expect(res.statusCode).toBe(404);
    expect(await auditsOf(db(), me.userId, 'access_denied')).toEqual([
      expect.objectContaining({ clinic_id: other.id, outcome: 'failure' }),
    ]);
    expect((await me.client.get('/api/messages/drafts')).json().draft).toBeNull();
  });

  it('are thrown away when saved empty', async () => {
    const me = await messagingPatient(t, clinic.id);
    await me.client.put('/api/messages/drafts', { threadId: null, body: 'something' });
    const cleared = await me.client.put('/api/messages/drafts', { threadId: null, body: '  ' });
    expect(cleared.json().draft).toBeNull();
    const rows = await db()
      .selectFrom('message_drafts')
      .select('id')
      .where('user_id', '=', me.userId)
      .execute();
    expect(rows).toEqual([]);
  });
});

describe('the demo clinics', () => {
  it('get the default pools and quick replies in both languages, once', async () => {
    const demo = await testDatabase();
    try {
      for (const c of demoClinics) await addClinic(demo.db, c);
      await seedMessagingDemo(demo.db);
      await seedMessagingDemo(demo.db);
      const pools = await demo.db.selectFrom('message_pools').selectAll().execute();
      expect(pools).toHaveLength(demoClinics.length * 5);
      const billing = pools.find((p) => p.topic === 'billing');
      expect(billing).toMatchObject({
        roles: ['support_agent', 'clinic_admin'],
        target_business_days: 3,
      });
      const templates = await demo.db.selectFrom('message_templates').selectAll().execute();
      expect(templates).toHaveLength(demoClinics.length * demoTemplates.length);
      for (const tpl of templates) {
        expect(tpl.body_en).toContain('{{patientFirstName}}');
        expect(tpl.body_es).toContain('{{patientFirstName}}');
      }
    } finally {
      await demo.close();
    }
  });
});
