// Messages written back to the EHR as FHIR Communications, through the
// outbox, against a FHIR server this project did not write (medplum's). A
// patient's message and the nurse's reply arrive as two Communications, the
// reply inResponseTo the first, even when both are sent in one round; a retry
// after a lost answer makes no second one; internal notes never leave the
// portal; the outbox never holds the text in clear (it is opened at send).
import type { Communication, Patient } from '@medplum/fhirtypes';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue } from '../src/ehr/outbox/outbox.ts';
import { drainOutbox } from '../src/ehr/outbox/worker.ts';
import {
  communicationKey,
  MESSAGE_IDENTIFIER_SYSTEM,
  MESSAGE_TOPIC_SYSTEM,
  queueCommunication,
} from '../src/modules/messaging/writeback.ts';
import { sealBytes, sealText } from '../src/platform/crypto/envelope.ts';
import { type TestApp, testApp } from './support/app.ts';
import { createClinic, createPatient, createUser } from './support/factories.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';
import { outboxGateway, quickPolicy, settleOutbox } from './support/outbox.ts';

let t: TestApp;
let ehr: FhirServer;
const db = () => t.database.db;

const gateway = (timeoutMs = 5_000) => outboxGateway(ehr, timeoutMs);
const policy = () => quickPolicy(t.config);

beforeAll(async () => {
  t = await testApp();
  ehr = await startFhirServer();
});
afterAll(async () => {
  await ehr?.close();
  await t?.close();
});

interface Conversation {
  clinicId: string;
  clinicName: string;
  threadId: string;
  ehrPatientId: string;
  patientUserId: string;
  nurseId: string;
  nurseName: string;
  subject: string;
}

/** In the EHR: the patient. In the portal: the clinic's medical pool, the patient linked, a nurse, a thread. */
async function conversation(): Promise<Conversation> {
  const clinic = await createClinic(db());
  const ehrPatient = await gateway().create<Patient>({
    resourceType: 'Patient',
    name: [{ given: ['Ottilie'], family: 'Marchetti' }],
  });
  const patient = await createPatient(db(), { clinicId: clinic.id });
  await db()
    .updateTable('patients')
    .set({ ehr_patient_id: ehrPatient.id })
    .where('id', '=', patient.id)
    .execute();
  const patientUser = await createUser(db(), t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patient.id,
  });
  const nurseName = 'Rosalind Achterberg, RN';
  const nurse = await createUser(db(), t.config, {
    roles: [{ role: 'nurse', clinicId: clinic.id }],
    name: nurseName,
  });
  const pool = await db()
    .insertInto('message_pools')
    .values({
      clinic_id: clinic.id,
      topic: 'medical',
      name_en: 'Medical questions',
      name_es: 'Preguntas médicas',
      roles: ['nurse', 'provider'],
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const subject = `Rash after the new cream ${crypto.randomUUID()}`;
  const sealed = await sealText(db(), t.config, subject);
  const thread = await db()
    .insertInto('message_threads')
    .values({
      clinic_id: clinic.id,
      patient_id: patient.id,
      pool_id: pool.id,
      topic: 'medical',
      subject: sealed.data,
      key_id: sealed.keyId,
      started_by: patientUser.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return {
    clinicId: clinic.id,
    clinicName: clinic.name,
    threadId: thread.id,
    ehrPatientId: ehrPatient.id as string,
    patientUserId: patientUser.id,
    nurseId: nurse.id,
    nurseName,
    subject,
  };
}

/** Posts a message as the thread's code does: sealed, and queued for the EHR in the same transaction. */
async function post(
  c: Conversation,
  from: 'patient' | 'nurse',
  body: string,
  internal = false,
): Promise<string> {
  const sealed = await sealText(db(), t.config, body);
  return db()
    .transaction()
    .execute(async (trx) => {
      const m = await trx
        .insertInto('messages')
        .values({
          thread_id: c.threadId,
          author_user_id: from === 'patient' ? c.patientUserId : c.nurseId,
          from_staff: from === 'nurse',
          internal,
          body: sealed.data,
          key_id: sealed.keyId,
          // Distinct times, as messages posted one after another have.
          created_at: sql<Date>`clock_timestamp()`,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await queueCommunication(trx, m.id);
      return m.id;
    });
}

/** A tiny PNG (signature and IHDR are enough here: the sender only carries the bytes). */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489',
  'hex',
);

/** A file sent with the message, stored as the attachments code stores it: name and bytes sealed. */
async function attach(c: Conversation, messageId: string, fileName: string, bytes: Buffer) {
  const name = await sealText(db(), t.config, fileName);
  const content = await sealBytes(db(), t.config, bytes);
  expect(content.keyId).toBe(name.keyId);
  const patient = await db()
    .selectFrom('message_threads')
    .select('patient_id')
    .where('id', '=', c.threadId)
    .executeTakeFirstOrThrow();
  await db()
    .insertInto('message_attachments')
    .values({
      patient_id: patient.patient_id,
      thread_id: c.threadId,
      message_id: messageId,
      uploaded_by: c.patientUserId,
      media_type: 'image/png',
      size_bytes: bytes.length,
      file_name: name.data,
      content: content.data,
      key_id: content.keyId,
    })
    .execute();
}

const sendToEhr = (c: Conversation, gw = gateway()) => settleOutbox(db(), c.clinicId, gw, policy());

const communicationsFor = (messageId: string) =>
  gateway().search<Communication>('Communication', {
    identifier: `${MESSAGE_IDENTIFIER_SYSTEM}|${messageId}`,
  });

const message = (id: string) =>
  db().selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const outboxRow = (messageId: string) =>
  db()
    .selectFrom('ehr_outbox')
    .selectAll()
    .where('idempotency_key', '=', communicationKey(messageId))
    .executeTakeFirst();

describe('messages written back to the EHR', () => {
  it('a patient message and a staff reply become two Communications, the reply in response to the first', async () => {
    const c = await conversation();
    const question = 'The rash spread to my arm since Monday. Should I stop the cream?';
    const answer = 'Please stop the cream and send a photo; we will call you today.';
    const first = await post(c, 'patient', question);
    await attach(c, first, 'arm rash.png', PNG);
    const reply = await post(c, 'nurse', answer);
    // The question is held back (not due yet): the reply waits rather than go first.
    await db()
      .updateTable('ehr_outbox')
      .set({ next_attempt_at: new Date(Date.now() + 3_600_000) })
      .where('idempotency_key', '=', communicationKey(first))
      .execute();
    // However long it waits, waiting uses up none of its attempts.
    for (let round = 0; round < 3; round++) {
      await drainOutbox(db(), gateway(), { ...policy(), maxAttempts: 2 });
      expect(await outboxRow(reply)).toMatchObject({
        status: 'pending',
        attempts: 0,
        last_error: expect.stringMatching(/previous message .* not reached the EHR/),
      });
      await db()
        .updateTable('ehr_outbox')
        .set({ next_attempt_at: new Date() })
        .where('idempotency_key', '=', communicationKey(reply))
        .execute();
    }
    expect(await communicationsFor(reply)).toHaveLength(0);
    await db()
      .updateTable('ehr_outbox')
      .set({ next_attempt_at: new Date() })
      .where('idempotency_key', '=', communicationKey(first))
      .execute();
    await sendToEhr(c);

    const [asked] = await communicationsFor(first);
    const [answered] = await communicationsFor(reply);
    expect(asked?.id).toBeTruthy();
    expect(answered?.id).toBeTruthy();
    expect(asked).toMatchObject({
      status: 'completed',
      subject: { reference: `Patient/${c.ehrPatientId}` },
      sender: { reference: `Patient/${c.ehrPatientId}` },
      recipient: [{ display: `Medical questions, ${c.clinicName}` }],
      topic: {
        text: c.subject,
        coding: [{ system: MESSAGE_TOPIC_SYSTEM, code: 'medical', display: 'Medical questions' }],
      },
      payload: [
        { contentString: question },
        {
          contentAttachment: {
            contentType: 'image/png',
            title: 'arm rash.png',
            size: PNG.length,
            data: PNG.toString('base64'),
          },
        },
      ],
      sent: (await message(first)).created_at.toISOString(),
      identifier: [{ system: MESSAGE_IDENTIFIER_SYSTEM, value: first }],
    });
    expect(asked?.inResponseTo).toBeUndefined();
    expect(answered).toMatchObject({
      status: 'completed',
      subject: { reference: `Patient/${c.ehrPatientId}` },
      sender: { display: c.nurseName },
      recipient: [{ reference: `Patient/${c.ehrPatientId}` }],
      payload: [{ contentString: answer }],
      inResponseTo: [{ reference: `Communication/${asked?.id}` }],
    });
    // The portal keeps the EHR's ids, and the sending is audited.
    expect((await message(first)).ehr_communication_id).toBe(asked?.id);
    expect((await message(reply)).ehr_communication_id).toBe(answered?.id);
    const exports = await db()
      .selectFrom('audit_events')
      .select(['resource_id'])
      .where('action', '=', 'export')
      .where('resource_type', '=', 'Communication')
      .where('resource_id', 'in', [first, reply])
      .execute();
    expect(exports.map((e) => e.resource_id).sort()).toEqual([first, reply].sort());
  });

  it('a reply after one given up answers the last message that reached the EHR', async () => {
    const c = await conversation();
    const question = await post(c, 'patient', 'Is my referral to the dermatologist sent?');
    await sendToEhr(c);
    const lost = await post(c, 'nurse', 'Yes, last week.');
    // The EHR refuses it for good: the row is parked as dead.
    ehr.faults = { failNext: 1, status: 422 };
    await drainOutbox(db(), gateway(), policy());
    expect((await outboxRow(lost))?.status).toBe('dead');
    const reply = await post(c, 'patient', 'Thank you, I will wait for their call.');
    await sendToEhr(c);

    const [asked] = await communicationsFor(question);
    const [answered] = await communicationsFor(reply);
    expect(answered?.inResponseTo).toEqual([{ reference: `Communication/${asked?.id}` }]);
  });

  it('a retry after a lost answer makes no second Communication', async () => {
    const c = await conversation();
    const id = await post(c, 'patient', 'Is the lab open on Saturday mornings?');
    // The EHR makes the Communication but its answer never arrives: the send times out.
    ehr.faults = { hangNext: 1 };
    await drainOutbox(db(), gateway(300), policy());
    expect((await outboxRow(id))?.status).toBe('failed');
    await sendToEhr(c);

    const found = await communicationsFor(id);
    expect(found).toHaveLength(1);
    expect((await outboxRow(id))?.status).toBe('confirmed');
    expect((await message(id)).ehr_communication_id).toBe(found[0]?.id);
    // Sent again (the desk's retry): the conditional create still finds the first.
    await db()
      .updateTable('ehr_outbox')
      .set({ status: 'pending', confirmed_at: null, ehr_id: null, next_attempt_at: new Date() })
      .where('idempotency_key', '=', communicationKey(id))
      .execute();
    await sendToEhr(c);
    expect(await communicationsFor(id)).toHaveLength(1);
  });

  it('never sends an internal note, and the next reply answers the last message the patient saw', async () => {
    const c = await conversation();
    const question = await post(c, 'patient', 'Can I take ibuprofen with my blood thinner?');
    const note = await post(c, 'nurse', 'Internal: ask Dr. Vance before replying.', true);
    expect(await outboxRow(note)).toBeUndefined();
    const reply = await post(c, 'nurse', 'Please do not; acetaminophen is safer for you.');
    await sendToEhr(c);

    expect(await communicationsFor(note)).toHaveLength(0);
    expect((await message(note)).ehr_communication_id).toBeNull();
    const [asked] = await communicationsFor(question);
    const [answered] = await communicationsFor(reply);
    expect(answered?.inResponseTo).toEqual([{ reference: `Communication/${asked?.id}` }]);

    // Queued by mistake, bypassing queueCommunication: the sender refuses it for good.
    await enqueue(db(), {
      kind: 'message.communication',
      clinicId: c.clinicId,
      payload: { messageId: note },
      idempotencyKey: communicationKey(note),
    });
    await sendToEhr(c);
    expect((await outboxRow(note))?.status).toBe('dead');
    expect(await communicationsFor(note)).toHaveLength(0);
    const sent = await gateway().search<Communication>('Communication', {
      subject: `Patient/${c.ehrPatientId}`,
    });
    expect(JSON.stringify(sent)).not.toContain('Dr. Vance');
  });

  it('keeps no message text in clear in the outbox, before or after sending', async () => {
    const c = await conversation();
    const body = `My new address for the letter is 12 Quillfeather Lane ${crypto.randomUUID()}`;
    await post(c, 'patient', body);
    const scan = async () => {
      const rows = await db()
        .selectFrom('ehr_outbox')
        .select(sql<string>`ehr_outbox::text`.as('row'))
        .where('clinic_id', '=', c.clinicId)
        .execute();
      expect(rows.length).toBeGreaterThan(0);
      for (const { row } of rows) {
        expect(row).not.toContain('Quillfeather');
        expect(row).not.toContain(c.subject.slice(0, 20));
      }
    };
    await scan();
    await sendToEhr(c);
    await scan();
    // It did reach the EHR: the text was opened at send time, not kept.
    const sent = await gateway().search<Communication>('Communication', {
      subject: `Patient/${c.ehrPatientId}`,
    });
    expect(sent.map((m) => m.payload?.[0]?.contentString)).toEqual([body]);
    // A payload that carries more than the message id is refused when queued.
    await expect(
      enqueue(db(), {
        kind: 'message.communication',
        clinicId: c.clinicId,
        payload: { messageId: crypto.randomUUID(), body },
      }),
    ).rejects.toThrow(/only the message id/);
  });
});
