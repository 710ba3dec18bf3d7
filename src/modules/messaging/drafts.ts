// Drafts: what a person is writing, kept (sealed) across devices until it is
// sent. One per person, patient and conversation; a null thread is a new
// conversation. Saving an empty draft throws it away.
import { type Kysely, sql } from 'kysely';
import { Type } from 'typebox';
import type { Config } from '../../config.ts';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { openText, sealText } from '../../platform/crypto/envelope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { sessionPatient } from '../scheduling/routes.ts';
import { Draft, DraftView, Uuid } from './model.ts';
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

/** Keeps the draft (sealed), or drops it when the text is blank. */
export async function saveDraft(db: Db, config: Config, o: Owner, body: string) {
  if (body.trim() === '') {
    await db.deleteFrom('message_drafts').where('id', 'in', whose(db, o).select('id')).execute();
    return;
  }
  const sealed = await sealText(db, config, body);
  await db
    .insertInto('message_drafts')
    .values({
      user_id: o.userId,
      patient_id: o.patientId,
      thread_id: o.threadId,
      body: sealed.data,
      key_id: sealed.keyId,
    })
    .onConflict((oc) =>
      oc
        .expression(sql`user_id, patient_id, coalesce(thread_id, ${NEW_CONVERSATION})`)
        .doUpdateSet({
          body: (eb) => eb.ref('excluded.body'),
          key_id: (eb) => eb.ref('excluded.key_id'),
          updated_at: sql<Date>`now()`,
        }),
    )
    .execute();
}

export async function readDraft(db: Db, config: Config, o: Owner): Promise<DraftView> {
  const row = await whose(db, o).select(['body', 'key_id', 'updated_at']).executeTakeFirst();
  if (!row) return { draft: null };
  return {
    draft: {
      threadId: o.threadId,
      body: await openText(db, config, Buffer.from(row.body), row.key_id),
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
    const patientId = await sessionPatient(deps, req, RESOURCE);
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
      const body = req.body as { threadId: string | null; body: string };
      const o = await owner(req, body.threadId);
      return db.transaction().execute(async (trx) => {
        await saveDraft(trx, config, o, body.body);
        await audit(trx, auditSource(req), {
          action: body.body.trim() ? 'update' : 'delete',
          resourceType: RESOURCE,
          resourceId: o.threadId ?? undefined,
          patientId: o.patientId,
          details: { draft: true },
        });
        return readDraft(trx, config, o);
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
