// The patient's conversations with their care team: which clinics take
// messages about what, the list, starting one, reading and replying, the
// unread count, drafts and the e-mail preference. The patient is the
// session's own or the one a caregiver acts for; every read and write is
// audited in its own transaction, and another patient's thread answers 404.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { type Static, Type } from 'typebox';
import { nudgeOutbox } from '../../ehr/outbox/outbox.ts';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource, currentPatientId } from '../../platform/auth/context.ts';
import { PATIENT_CARE_ROLES, sessionPatient } from '../../platform/auth/scope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { overLimit } from '../accounts/request-limits.ts';
import { draftRoutes, dropNewDraft } from './drafts.ts';
import {
  MessageClinic,
  MessageEmail,
  MessageView,
  Reply,
  StartThread,
  ThreadSummary,
  ThreadView,
  Uuid,
} from './model.ts';
import { messageClinics, poolFor, requireRegistered, staffPoolIds } from './pools.ts';
import { unreadTotal, type Viewer } from './reads.ts';
import type { Topic } from './tables.ts';
import {
  messageView,
  openThread,
  postMessage,
  requirePatientThread,
  startThread,
  summaries,
  threadsQuery,
  threadView,
} from './threads.ts';

const RESOURCE = 'Communication';
const PAGE = 20;
/** Sending is limited per person: enough for any conversation, not for a flood. */
export const SEND_LIMIT = { max: 30, windowMinutes: 10 };
const errors = {
  400: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  429: ErrorResponse,
};
const IdParams = Type.Object({ id: Uuid });

const userOf = (req: FastifyRequest) => (req.auth as Auth).user;
const patientSide = (req: FastifyRequest): Viewer => ({ userId: userOf(req).id, staff: false });

/** Staff answer many patients in a row: a higher bar, still short of a flood. */
export const STAFF_SEND_LIMIT = { max: 120, windowMinutes: 10 };

/**
 * 429 once the person has sent too many messages lately. Counted in the
 * sending transaction, so a send that is refused (a bad attachment, say)
 * rolls its count back and uses up nothing.
 */
export async function mayStillSend(trx: Kysely<Schema>, req: FastifyRequest, staff = false) {
  const limit = staff ? STAFF_SEND_LIMIT : SEND_LIMIT;
  if (await overLimit(trx, `messages:${userOf(req).id}`, limit))
    throw new ApiError(
      429,
      'too_many_messages',
      staff
        ? `You have sent many messages in a short time. Please wait ${limit.windowMinutes} minutes and try again.`
        : `You have sent many messages in a short time. Please wait ${limit.windowMinutes} minutes and try again. For anything urgent, call the clinic; for an emergency, call 911.`,
    );
}

export const patientMessagingRoutes: ModuleRoutes = async (app, deps) => {
  const { db, config } = deps;

  app.get(
    '/api/messages/clinics',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['messages'],
        summary: "The patient's clinics that take messages, with the topics each answers",
        response: { 200: Type.Object({ clinics: Type.Array(MessageClinic) }), ...errors },
      },
    },
    async (req) => {
      const patientId = await sessionPatient(deps.db, req, RESOURCE);
      return db.transaction().execute(async (trx) => {
        const clinics = await messageClinics(trx, patientId);
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: RESOURCE,
          patientId,
          details: { clinics: clinics.length },
        });
        return { clinics };
      });
    },
  );

  app.get(
    '/api/messages/threads',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['messages'],
        summary: "The patient's conversations, latest activity first",
        querystring: Type.Object(
          { page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ threads: Type.Array(ThreadSummary), hasMore: Type.Boolean() }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { page } = req.query as { page: number };
      const patientId = await sessionPatient(deps.db, req, RESOURCE);
      return db.transaction().execute(async (trx) => {
        const rows = await threadsQuery(trx)
          .where('t.patient_id', '=', patientId)
          .orderBy('t.last_message_at', 'desc')
          .orderBy('t.id')
          .limit(PAGE + 1)
          .offset((page - 1) * PAGE)
          .execute();
        const shown = rows.slice(0, PAGE);
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: RESOURCE,
          patientId,
          details: { page, count: shown.length },
        });
        return {
          threads: await summaries(trx, config, shown, patientSide(req)),
          hasMore: rows.length > PAGE,
        };
      });
    },
  );

  app.post(
    '/api/messages/threads',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['messages'],
        summary: 'Starts a conversation with the care team of one of the patient’s clinics',
        body: StartThread,
        response: { 201: ThreadView, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as Static<typeof StartThread>;
      const patientId = await sessionPatient(deps.db, req, RESOURCE);
      await requireRegistered(deps, req, patientId, body.clinicId, 'create');
      const pool = await poolFor(db, body.clinicId, body.topic as Topic);
      if (!pool)
        throw new ApiError(
          409,
          'topic_not_offered',
          'This clinic does not take messages about that topic. Choose another topic, or call the clinic.',
        );
      const user = userOf(req);
      const view = await db.transaction().execute(async (trx) => {
        await mayStillSend(trx, req);
        const threadId = await startThread(trx, deps, {
          clinicId: body.clinicId,
          patientId,
          poolId: pool.id,
          topic: body.topic as Topic,
          subject: body.subject,
          body: body.body,
          authorUserId: user.id,
          fromStaff: false,
          attachmentIds: body.attachmentIds,
        });
        await dropNewDraft(trx, user.id, patientId);
        await audit(trx, auditSource(req), {
          action: 'create',
          resourceType: RESOURCE,
          resourceId: threadId,
          patientId,
          clinicId: body.clinicId,
          details: { topic: body.topic, attachments: body.attachmentIds?.length ?? 0 },
        });
        return threadView(trx, config, threadId, patientSide(req));
      });
      nudgeOutbox(deps.jobs);
      reply.code(201);
      return view;
    },
  );

  app.get(
    '/api/messages/threads/:id',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['messages'],
        summary: 'One conversation, oldest message first, with read receipts; marks it read',
        params: IdParams,
        response: { 200: ThreadView, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const patientId = await sessionPatient(deps.db, req, RESOURCE);
      const t = await requirePatientThread(deps, req, id, patientId, 'view');
      return db
        .transaction()
        .execute((trx) =>
          openThread(
            trx,
            config,
            req,
            { id: t.id, patientId, clinicId: t.clinic_id },
            patientSide(req),
          ),
        );
    },
  );

  app.post(
    '/api/messages/threads/:id/messages',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['messages'],
        summary:
          'Replies in a conversation; a closed one opens again (as new, for the care team to pick up)',
        params: IdParams,
        body: Reply,
        response: { 201: MessageView, ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const body = req.body as Static<typeof Reply>;
      const patientId = await sessionPatient(deps.db, req, RESOURCE);
      const t = await requirePatientThread(deps, req, id, patientId, 'create');
      await requireRegistered(deps, req, patientId, t.clinic_id, 'reply');
      const view = await db.transaction().execute(async (trx) => {
        await mayStillSend(trx, req);
        const messageId = await postMessage(trx, deps, {
          threadId: t.id,
          authorUserId: userOf(req).id,
          fromStaff: false,
          internal: false,
          body: body.body,
          attachmentIds: body.attachmentIds,
        });
        await audit(trx, auditSource(req), {
          action: 'create',
          resourceType: RESOURCE,
          resourceId: messageId,
          patientId,
          clinicId: t.clinic_id,
          details: { threadId: t.id, attachments: body.attachmentIds?.length ?? 0 },
        });
        return messageView(trx, config, messageId, patientSide(req));
      });
      nudgeOutbox(deps.jobs);
      reply.code(201);
      return view;
    },
  );

  app.get(
    '/api/messages/unread',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['messages'],
        summary: "Messages from the care team I have not read, across the patient's conversations",
        response: { 200: Type.Object({ unread: Type.Integer() }), ...errors },
      },
    },
    async (req) => {
      // A caregiver who has not chosen a record yet has nothing to read.
      if (!currentPatientId(req.auth as Auth)) return { unread: 0 };
      const patientId = await sessionPatient(deps.db, req, RESOURCE);
      return db.transaction().execute(async (trx) => {
        const unread = await unreadTotal(trx, patientSide(req), { patientId });
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: RESOURCE,
          patientId,
          details: { unread },
        });
        return { unread };
      });
    },
  );

  app.get(
    '/api/staff/messages/unread',
    {
      config: { access: { roles: PATIENT_CARE_ROLES } },
      schema: {
        tags: ['messages'],
        summary:
          'Patient messages I have not read, in the pools I work and the threads assigned to me (internal notes and colleagues’ replies do not count)',
        response: { 200: Type.Object({ unread: Type.Integer() }), ...errors },
      },
    },
    async (req) => {
      const viewer = { userId: userOf(req).id, staff: true };
      const poolIds = await staffPoolIds(db, req.auth as Auth);
      return db.transaction().execute(async (trx) => {
        const unread = await unreadTotal(trx, viewer, { poolIds, assignedTo: viewer.userId });
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: RESOURCE,
          details: { unread, pools: poolIds.length },
        });
        return { unread };
      });
    },
  );

  app.get(
    '/api/account/message-email',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Whether I get an e-mail (without the message) when a new message arrives',
        response: { 200: MessageEmail },
      },
    },
    async (req) => {
      const row = await db
        .selectFrom('users')
        .select('message_email')
        .where('id', '=', userOf(req).id)
        .executeTakeFirstOrThrow();
      return { email: row.message_email };
    },
  );

  app.put(
    '/api/account/message-email',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Turns the new-message e-mail on or off',
        body: MessageEmail,
        response: { 200: MessageEmail, 400: ErrorResponse },
      },
    },
    async (req) => {
      const { email } = req.body as { email: boolean };
      const userId = userOf(req).id;
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ message_email: email })
          .where('id', '=', userId)
          .execute();
        await audit(trx, auditSource(req), {
          action: 'update',
          resourceType: 'Account',
          resourceId: userId,
          details: { fields: ['messageEmail'] },
        });
      });
      return { email };
    },
  );

  await app.register(draftRoutes, deps);
};
