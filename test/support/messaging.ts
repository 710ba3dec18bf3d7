// Messaging test data: a clinic with the default pools, a patient of it
// signed in, a caregiver acting for a patient, staff of a role there, and
// the raw rows (mail, audit) tests look at.
import type { Kysely } from 'kysely';
import type { Role } from '../../src/modules/accounts/tables.ts';
import { addDefaultPools } from '../../src/modules/messaging/pools.ts';
import { markRead } from '../../src/modules/messaging/reads.ts';
import { postMessage, threadView } from '../../src/modules/messaging/threads.ts';
import type { Schema } from '../../src/platform/db/schema.ts';
import type { TestApp } from './app.ts';
import type { Client } from './client.ts';
import { createClinic, createPatient, createUser, signedInClient } from './factories.ts';

type Db = Kysely<Schema>;

export interface MessagingPerson {
  /** The patient's id (for staff: none). */
  id: string;
  userId: string;
  email: string;
  client: Client;
}

/** A clinic that takes messages on every topic. */
export async function messagingClinic(db: Db, name?: string) {
  const clinic = await createClinic(db, name);
  await addDefaultPools(db, clinic.id);
  return clinic;
}

/** A patient registered at the clinic, with an account, signed in. */
export async function messagingPatient(
  t: TestApp,
  clinicId: string,
  options: { givenName?: string; language?: 'en' | 'es'; messageEmail?: boolean } = {},
): Promise<MessagingPerson> {
  const db = t.database.db;
  const patient = await createPatient(db, { clinicId, givenName: options.givenName });
  const user = await createUser(db, t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patient.id,
  });
  await db
    .updateTable('users')
    .set({
      language: options.language ?? 'en',
      message_email: options.messageEmail ?? true,
    })
    .where('id', '=', user.id)
    .execute();
  return {
    id: patient.id,
    userId: user.id,
    email: user.email,
    client: await signedInClient(t, user),
  };
}

/** Another signed-in session (another tab or device) of the same user. */
export const anotherSession = (t: TestApp, person: { userId: string }) =>
  signedInClient(t, { id: person.userId });

/** A caregiver with an active grant for the patient, signed in acting for them. */
export async function caregiverOf(t: TestApp, patientId: string): Promise<MessagingPerson> {
  const db = t.database.db;
  const user = await createUser(db, t.config, { roles: [{ role: 'proxy', clinicId: null }] });
  await db
    .insertInto('proxy_grants')
    .values({
      proxy_user_id: user.id,
      patient_id: patientId,
      relationship: 'parent',
      expires_at: new Date(Date.now() + 86_400_000),
      granted_by: user.id,
    })
    .execute();
  return {
    id: patientId,
    userId: user.id,
    email: user.email,
    client: await signedInClient(t, user, { actingForPatientId: patientId }),
  };
}

/** A staff member of the role at the clinic, signed in (second factor done). */
export async function messagingStaff(
  t: TestApp,
  clinicId: string,
  role: Role,
  name?: string,
): Promise<Omit<MessagingPerson, 'id'>> {
  const user = await createUser(t.database.db, t.config, { roles: [{ role, clinicId }], name });
  return { userId: user.id, email: user.email, client: await signedInClient(t, user) };
}

/** A conversation the patient starts, as the API answers it. */
export async function startConversation(
  patient: { client: Client },
  clinicId: string,
  what: { topic?: string; subject?: string; body?: string; attachmentIds?: string[] } = {},
) {
  const res = await patient.client.post('/api/messages/threads', {
    clinicId,
    topic: what.topic ?? 'medical',
    subject: what.subject ?? 'A question about my visit',
    body: what.body ?? 'Should I keep taking it with food?',
    ...(what.attachmentIds ? { attachmentIds: what.attachmentIds } : {}),
  });
  if (res.statusCode !== 201) throw new Error(`start failed: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; messages: { id: string }[] };
}

/** Mail queued to the address, oldest first. */
export const mailsTo = (db: Db, address: string) =>
  db
    .selectFrom('mail_outbox')
    .select(['subject', 'body'])
    .where('to_address', '=', address)
    .orderBy('created_at')
    .execute();

/** The user's audit rows of one action, oldest first. */
export const auditsOf = (db: Db, userId: string, action: string) =>
  db
    .selectFrom('audit_events')
    .selectAll()
    .where('actor_user_id', '=', userId)
    .where('action', '=', action as never)
    .orderBy('id')
    .execute();

/** A staff message (or internal note) in the thread, as the staff inbox posts it. */
export async function staffWrites(
  t: TestApp,
  threadId: string,
  staffUserId: string,
  body: string,
  internal = false,
): Promise<string> {
  return t.database.db
    .transaction()
    .execute((trx) =>
      postMessage(trx, t, { threadId, authorUserId: staffUserId, fromStaff: true, internal, body }),
    );
}

/** The staff member opening the thread, as the staff inbox marks it read. */
export async function staffReads(t: TestApp, threadId: string, staffUserId: string) {
  const db = t.database.db;
  const viewer = { userId: staffUserId, staff: true };
  const view = await threadView(db, t.config, threadId, viewer);
  await markRead(
    db,
    threadId,
    viewer,
    view.messages.map((m) => m.id),
  );
}
