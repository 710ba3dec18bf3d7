// Drafts: what a person is writing, kept (sealed) across devices until it is
// sent. One per person, patient and conversation; a null thread is a new
// conversation, whose draft also keeps the clinic, topic and subject chosen
// so far (the subject sealed like the text). Saving one with neither text nor
// subject throws it away.
import { type Kysely, sql } from 'kysely';
import { Type } from 'typebox';
import type { Config } from '../../config.ts';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { sessionPatient } from '../../platform/auth/scope.ts';
import { openText, sealText } from '../../platform/crypto/envelope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { Draft, DraftView, Uuid } from './model.ts';
import { requireRegistered } from './pools.ts';
import type { Topic } from './tables.ts';
import { requirePatientThread } from './threads.ts';

type Db = Kysely<Schema>;
type Owner = { userId: string; patientId: string; threadId: string | null };

const RESOURCE = 'Communication';
/** The draft's row: the unique index treats a null thread as one value. */
const NEW_CONVERSATION = sql`'00000000-0000-0000-0000-000000000000'::uuid`;

function whose(db: Db, o: Owner) {
  return db
    .selectFrom('message_drafts')
    .where('user_id', '=', o.userId)
    .where('patient_id', '=', o.patientId)
    .where((eb) => (o.threadId ? eb('thread_id', '=', o.threadId) : eb('thread_id', 'is', null)));
}

/** What a draft keeps: the text and, for a new conversation, the choices so far. */
export interface DraftContent {
  body: string;
  clinicId?: string | null;
  topic?: Topic | null;
  subject?: string | null;
}

/**
 * The text and subject sealed under one data key (the row names one): sealed
 * again in the rare case the active key changed in between.
 */
async function sealBoth(db: Db, config: Config, body: string, subject: string) {
  for (;;) {
    const sealedBody = await sealText(db, config, body);
    const sealedSubject = subject ? await sealText(db, config, subject) : null;
    if (!sealedSubject || sealedSubject.keyId === sealedBody.keyId)
      return { body: sealedBody, subject: sealedSubject };
  }
}

/** Keeps the draft (sealed), or drops it when text and subject are blank. */
export async function saveDraft(db: Db, config: Config, o: Owner, d: DraftContent) {
  // A reply's draft belongs to its thread, which has its clinic, topic and subject.
  const choices: Omit<DraftContent, 'body'> = o.threadId ? {} : d;
  const subject = choices.subject?.trim() ? choices.subject : '';
  if (d.body.trim() === '' && subject === '') {
    await db.deleteFrom('message_drafts').where('id', 'in', whose(db, o).select('id')).execute();
    return;
  }
  const sealed = await sealBoth(db, config, d.body, subject);
  await db
    .insertInto('message_drafts')
    .values({
      user_id: o.userId,
      patient_id: o.patientId,
      thread_id: o.threadId,
      clinic_id: choices.clinicId ?? null,
      topic: choices.topic ?? null,
      subject: sealed.subject?.data ?? null,
      body: sealed.body.data,
      key_id: sealed.body.keyId,
    })
    .onConflict((oc) =>
      oc
        .expression(sql`user_id, patient_id, coalesce(thread_id, ${NEW_CONVERSATION})`)
        .doUpdateSet({
          clinic_id: (eb) => eb.ref('excluded.clinic_id'),
          topic: (eb) => eb.ref('excluded.topic'),
          subject: (eb) => eb.ref('excluded.subject'),
          body: (eb) => eb.ref('excluded.body'),
          key_id: (eb) => eb.ref('excluded.key_id'),
          updated_at: sql<Date>`now()`,
        }),
    )
    .execute();
}

export async function readDraft(db: Db, config: Config, o: Owner): Promise<DraftView> {
  const row = await whose(db, o)
    .select(['body', 'clinic_id', 'topic', 'subject', 'key_id', 'updated_at'])
    .executeTakeFirst();
  if (!row) return { draft: null };
  const open = (data: Buffer | Uint8Array) => openText(db, config, Buffer.from(data), row.key_id);
  return {
    draft: {
      threadId: o.threadId,
      body: await open(row.body),
      ...(o.threadId
        ? {}
        : {
            clinicId: row.clinic_id,
            topic: row.topic,
            subject: row.subject ? await open(row.subject) : null,
          }),
      updatedAt: row.updated_at.toISOString(),
    },
  };
}

/** Drops the new-conversation draft once that conversation is sent. */
export async function dropNewDraft(db: Db, userId: string, patientId: string) {
  await db
    .deleteFrom('message_drafts')
    .where('user_id', '=', userId)
    .where('patient_id', '=', patientId)
    .where('thread_id', 'is', null)
    .execute();
}

const errors = { 400: ErrorResponse, 404: ErrorResponse };

export const draftRoutes: ModuleRoutes = async (app, deps) => {
  const { db, config } = deps;

  /** The owner of the draft the request names; another patient's thread is refused (audited). */
  async function owner(req: Parameters<typeof sessionPatient>[1], threadId: string | null) {
    const patientId = await sessionPatient(deps.db, req, RESOURCE);
    if (threadId) await requirePatientThread(deps, req, threadId, patientId, 'update');
    return { userId: (req.auth as NonNullable<typeof req.auth>).user.id, patientId, threadId };
  }

  app.put(
    '/api/messages/drafts',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['messages'],
        summary: 'Keeps what I am writing (an empty text throws the draft away)',
        body: Draft,
        response: { 200: DraftView, ...errors },
      },
    },
    async (req) => {
      const body = req.body as Draft;
      const o = await owner(req, body.threadId);
      // A new conversation's clinic must be one the patient may write to.
      if (!o.threadId && body.clinicId)
        await requireRegistered(deps, req, o.patientId, body.clinicId, 'update');
      return db.transaction().execute(async (trx) => {
        await saveDraft(trx, config, o, body);
        const draft = await readDraft(trx, config, o);
        await audit(trx, auditSource(req), {
          action: draft.draft ? 'update' : 'delete',
          resourceType: RESOURCE,
          resourceId: o.threadId ?? undefined,
          patientId: o.patientId,
          clinicId: o.threadId ? null : (body.clinicId ?? null),
          details: { draft: true },
        });
        return draft;
      });
    },
  );

  app.get(
    '/api/messages/drafts',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['messages'],
        summary: 'My draft for a conversation (no threadId: for a new conversation)',
        querystring: Type.Object(
          { threadId: Type.Optional(Uuid) },
          { additionalProperties: false },
        ),
        response: { 200: DraftView, ...errors },
      },
    },
    async (req) => {
      const { threadId } = req.query as { threadId?: string };
      const o = await owner(req, threadId ?? null);
      return db.transaction().execute(async (trx) => {
        const draft = await readDraft(trx, config, o);
        await audit(trx, auditSource(req), {
          action: 'view',
          resourceType: RESOURCE,
          resourceId: o.threadId ?? undefined,
          patientId: o.patientId,
          details: { draft: true, found: draft.draft !== null },
        });
        return draft;
      });
    },
  );
};
