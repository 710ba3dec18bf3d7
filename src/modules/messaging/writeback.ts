// Messages reach the EHR as FHIR Communications through the outbox
// ('message.communication'), so the conversation becomes part of the record.
// - The outbox row names only the message: its payload is stored in clear,
//   so the body, subject and attachments are read and opened when sent.
// - Internal notes never leave the portal: not queued, and refused if found.
// - Each Communication carries identifier MESSAGE_IDENTIFIER_SYSTEM|<message
//   id> and is a conditional create (If-None-Exist): a retry after a lost
//   answer finds the first one instead of making a second.
// - A reply is inResponseTo the thread's previous Communication. While that
//   one is still on its way the reply waits (NotYet: tried again soon, no
//   attempt used up, so a slow predecessor never wears the reply out): the
//   EHR gets a thread in order. When the previous one was given up or
//   discarded, the reply answers the last one that did reach the EHR.
import type { Attachment, Communication } from '@medplum/fhirtypes';
import { type Kysely, sql } from 'kysely';
import type { Config } from '../../config.ts';
import { EhrError } from '../../ehr/gateway/gateway.ts';
import { confirmationOf, NotYet, registerOutboxKind } from '../../ehr/outbox/kinds.ts';
import { enqueue, WAITING } from '../../ehr/outbox/outbox.ts';
import { audit, SYSTEM_SOURCE } from '../../platform/audit/audit.ts';
import { openBytes, openText } from '../../platform/crypto/envelope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import type { Topic } from './tables.ts';

type Db = Kysely<Schema>;

/** The portal's message id as the Communication's identifier. */
export const MESSAGE_IDENTIFIER_SYSTEM = 'urn:patient-portal:message';
/** The thread's topic (medical, appointment, billing, refill, other). */
export const MESSAGE_TOPIC_SYSTEM = 'urn:patient-portal:message-topic';

export const communicationKey = (messageId: string) => `message:${messageId}`;

interface CommunicationPayload {
  messageId: string;
}

/** Queues the message for the EHR in the transaction that posts it; internal notes stay here. */
export async function queueCommunication(trx: Db, messageId: string): Promise<void> {
  const m = await trx
    .selectFrom('messages as m')
    .innerJoin('message_threads as t', 't.id', 'm.thread_id')
    .select(['m.internal', 't.clinic_id', 't.patient_id'])
    .where('m.id', '=', messageId)
    .executeTakeFirstOrThrow();
  if (m.internal) return;
  const payload: CommunicationPayload = { messageId };
  await enqueue(trx, {
    kind: 'message.communication',
    clinicId: m.clinic_id,
    patientId: m.patient_id,
    payload,
    idempotencyKey: communicationKey(messageId),
  });
}

/** What the Communication is made of, opened at send time. */
export interface MessageFacts {
  messageId: string;
  threadId: string;
  ehrPatientId: string;
  topic: Topic;
  topicName: string;
  subject: string;
  body: string;
  sent: string;
  sender: NonNullable<Communication['sender']>;
  recipient: NonNullable<Communication['recipient']>[number];
  attachments: Attachment[];
}

const never = (message: string, status: number) => new EhrError(message, status, undefined, false);

async function messageFacts(db: Db, config: Config, messageId: string): Promise<MessageFacts> {
  const r = await db
    .selectFrom('messages as m')
    .innerJoin('message_threads as t', 't.id', 'm.thread_id')
    .innerJoin('message_pools as pool', 'pool.id', 't.pool_id')
    .innerJoin('clinics as c', 'c.id', 't.clinic_id')
    .innerJoin('patients as p', 'p.id', 't.patient_id')
    .innerJoin('users as u', 'u.id', 'm.author_user_id')
    .select([
      'm.id',
      'm.thread_id',
      'm.internal',
      'm.from_staff',
      'm.body',
      'm.key_id',
      'm.created_at',
      't.patient_id',
      't.topic',
      't.subject',
      't.key_id as subject_key_id',
      'pool.name_en as pool_name',
      'c.name as clinic_name',
      'p.ehr_patient_id',
      'u.display_name as author_name',
      'u.patient_id as author_patient_id',
    ])
    .where('m.id', '=', messageId)
    .executeTakeFirst();
  if (!r) throw never('The message is no longer in the portal', 404);
  if (r.internal) throw never('Internal notes are not sent to the EHR', 422);
  if (!r.ehr_patient_id) throw never('The patient is not linked to a record in the EHR', 422);
  const patient = { reference: `Patient/${r.ehr_patient_id}` };
  // The portal knows no Practitioner ids for its staff, nor the EHR's team: names stand in.
  const careTeam = { display: `${r.pool_name}, ${r.clinic_name}` };
  const author = { display: r.author_name };
  // A caregiver writing for the patient is named, not passed off as the patient.
  const patientSide = r.author_patient_id === r.patient_id ? patient : author;
  return {
    messageId: r.id,
    threadId: r.thread_id,
    ehrPatientId: r.ehr_patient_id,
    topic: r.topic,
    topicName: r.pool_name,
    subject: await openText(db, config, r.subject, r.subject_key_id),
    body: await openText(db, config, r.body, r.key_id),
    sent: r.created_at.toISOString(),
    sender: r.from_staff ? author : patientSide,
    recipient: r.from_staff ? patient : careTeam,
    attachments: await attachmentsFor(db, config, r.id),
  };
}

/** The message's files, opened, as FHIR Attachments (data in base64). */
async function attachmentsFor(db: Db, config: Config, messageId: string): Promise<Attachment[]> {
  const rows = await db
    .selectFrom('message_attachments')
    .select(['media_type', 'file_name', 'content', 'key_id'])
    .where('message_id', '=', messageId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const files: Attachment[] = [];
  for (const row of rows) {
    const bytes = await openBytes(db, config, row.content, row.key_id);
    files.push({
      contentType: row.media_type,
      title: await openText(db, config, row.file_name, row.key_id),
      size: bytes.length,
      data: bytes.toString('base64'),
    });
  }
  return files;
}

/**
 * The Communication this message answers: the thread's latest earlier one
 * that reached the EHR. Throws NotYet while the message just before is
 * still on its way (the EHR gets a thread in order); one given up or
 * discarded is passed over for the last one that did arrive.
 */
async function previousCommunication(db: Db, f: MessageFacts): Promise<string | null> {
  // Compared in the database: created_at has microseconds a JS Date would drop.
  const earlier = await db
    .selectFrom('messages as m')
    .leftJoin('ehr_outbox as o', (j) =>
      j.on(
        'o.idempotency_key',
        '=',
        sql<string>`cast(${communicationKey('')} as text) || m.id::text`,
      ),
    )
    .select(['m.ehr_communication_id', 'o.status', 'o.ehr_id'])
    .where('m.thread_id', '=', f.threadId)
    .where('m.internal', '=', false)
    .where(
      sql<boolean>`(m.created_at, m.id) < (select created_at, id from messages where id = ${f.messageId})`,
    )
    .orderBy('m.created_at', 'desc')
    .orderBy('m.id', 'desc')
    .execute();
  for (const m of earlier) {
    const sent = m.ehr_communication_id ?? m.ehr_id;
    if (sent) return sent;
    if (m.status && WAITING.includes(m.status))
      throw new NotYet('The previous message of the thread has not reached the EHR yet');
  }
  return null;
}

/** The FHIR Communication for one message. */
export function communication(f: MessageFacts, inResponseTo: string | null): Communication {
  return {
    resourceType: 'Communication',
    status: 'completed',
    subject: { reference: `Patient/${f.ehrPatientId}` },
    // The subject line as the text; the thread's topic as a code.
    topic: {
      coding: [{ system: MESSAGE_TOPIC_SYSTEM, code: f.topic, display: f.topicName }],
      text: f.subject,
    },
    sent: f.sent,
    sender: f.sender,
    recipient: [f.recipient],
    payload: [
      { contentString: f.body },
      ...f.attachments.map((contentAttachment) => ({ contentAttachment })),
    ],
    ...(inResponseTo ? { inResponseTo: [{ reference: `Communication/${inResponseTo}` }] } : {}),
  };
}

const messageOf = (payload: unknown) => (payload as CommunicationPayload).messageId;

registerOutboxKind('message.communication', {
  check(payload) {
    if (typeof (payload as CommunicationPayload)?.messageId !== 'string')
      throw new Error('message.communication needs a message id');
    // The body must never sit in the outbox in clear: the payload names the message, nothing more.
    if (Object.keys(payload as object).length !== 1)
      throw new Error('message.communication carries only the message id');
  },
  async send(item, gateway, { db, config }) {
    if (!config) throw new Error('Sending messages needs the configuration (to open them)');
    const facts = await messageFacts(db, config, messageOf(item.payload));
    const inResponseTo = await previousCommunication(db, facts);
    const created = await gateway.postMessage(communication(facts, inResponseTo), {
      idempotencyKey: facts.messageId,
      identifierSystem: MESSAGE_IDENTIFIER_SYSTEM,
    });
    return confirmationOf(created);
  },
  async lockFirst(trx, item) {
    await trx
      .selectFrom('messages')
      .select('id')
      .where('id', '=', messageOf(item.payload))
      .forUpdate()
      .execute();
  },
  async settled(trx, item, settlement) {
    if (settlement.outcome !== 'confirmed') return;
    const id = messageOf(item.payload);
    const ehrId = settlement.confirmation.id;
    const updated = await trx
      .updateTable('messages')
      .set({ ehr_communication_id: ehrId })
      .where('id', '=', id)
      .returning('thread_id')
      .executeTakeFirst();
    if (!updated || !item.patientId) return;
    // The message left the portal for the patient's record.
    await audit(trx, SYSTEM_SOURCE, {
      action: 'export',
      resourceType: 'Communication',
      resourceId: id,
      patientId: item.patientId,
      clinicId: item.clinicId,
      details: { threadId: updated.thread_id, ehrCommunicationId: ehrId },
    });
  },
});
