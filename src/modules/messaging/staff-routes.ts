// The care team's inbox API: a clinic's pools with their counts, threads by
// pool, status and assignee (oldest waiting first, with the reply clock),
// one thread with internal notes, replies and notes, assignment, status,
// hand-off to a provider, starting a thread to a patient, and the clinic's
// reply measures. Staff reach only the pools they work at a clinic and the
// threads assigned to them there; every read and change is audited with the
// patient on the event.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { nudgeOutbox } from '../../ehr/outbox/outbox.ts';
import { audit, auditMany } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleDeps, ModuleRoutes } from '../../platform/http/module.ts';
import type { Role } from '../accounts/tables.ts';
import {
  holdsRoleAt,
  INBOX_ROLES,
  inboxPools,
  RESOURCE,
  type ReachedThread,
  refuse,
  requireInboxClinic,
  requireThread,
  SEARCH_LIMIT,
  type StatusFilter,
  threadPage,
} from './inbox.ts';
import { messageMeasures } from './measures.ts';
import {
  AssignBody,
  HandoffBody,
  InboxPools,
  MessageMeasures,
  StaffReply,
  StaffStartThread,
  StatusBody,
  ThreadSummary,
  ThreadView,
  Uuid,
} from './model.ts';
import { mayStillSend } from './routes.ts';
import { THREAD_STATUSES, type ThreadStatus, TOPICS, type Topic } from './tables.ts';
import { openThread, postMessage, startThread, threadView } from './threads.ts';

const access = { access: { roles: INBOX_ROLES } };
const MEASURE_ROLES: readonly Role[] = ['clinic_admin', 'nurse', 'provider'];
const errors = {
  400: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  429: ErrorResponse,
};
const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const tags = ['messages (staff)'];
const DAY_MS = 86_400_000;

const ClinicQuery = Type.Object({ clinicId: Uuid }, { additionalProperties: false });
const ThreadQuery = Type.Object(
  {
    clinicId: Uuid,
    poolId: Type.Optional(Uuid),
    /** open: every status but closed. */
    status: Type.Union([Type.Literal('open'), Type.Enum(THREAD_STATUSES)], { default: 'open' }),
    assigned: Type.Union([Type.Literal('me'), Type.Literal('unassigned'), Type.Literal('any')], {
      default: 'any',
    }),
    /** Part of the patient's name or of the subject. */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
  },
  { additionalProperties: false },
);
const MeasuresQuery = Type.Object(
  {
    clinicId: Uuid,
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

const viewer = (req: FastifyRequest) => ({ userId: (req.auth as Auth).user.id, staff: true });

/** A 'new' thread is being worked once someone replies or takes it. */
const startWork = (trx: ModuleDeps['db'], threadId: string) =>
  trx
    .updateTable('message_threads')
    .set({ status: 'in_progress' })
    .where('id', '=', threadId)
    .where('status', '=', 'new')
    .execute();

const badField = (field: string, message: string) =>
  new ApiError(400, 'validation_failed', `${field}: ${message}`, [{ field, message }]);

/** One change to a reached thread, audited, then the thread as staff now see it. */
async function change(
  deps: ModuleDeps,
  req: FastifyRequest,
  t: ReachedThread,
  details: Record<string, unknown>,
  work: (trx: ModuleDeps['db']) => Promise<void>,
) {
  await deps.db.transaction().execute(async (trx) => {
    await work(trx);
    await audit(trx, auditSource(req), {
      action: 'update',
      resourceType: RESOURCE,
      resourceId: t.id,
      patientId: t.patientId,
      clinicId: t.clinicId,
      details,
    });
  });
  nudgeOutbox(deps.jobs);
  return threadView(deps.db, deps.config, t.id, viewer(req));
}

/**
 * 400 naming the field unless the user holds one of the roles at the
 * thread's clinic. They need not work its pool: the thread, once theirs,
 * is open to them (inbox.ts `requireThread`).
 */
async function mustHoldRole(
  deps: ModuleDeps,
  t: ReachedThread,
  userId: string,
  field: string,
  roles: readonly Role[],
) {
  if (await holdsRoleAt(deps.db, userId, t.clinicId, roles)) return;
  throw badField(
    field,
    roles.length === 1 && roles[0] === 'provider'
      ? 'choose a provider of this clinic'
      : 'choose someone of this clinic who works the inbox',
  );
}

export const staffMessageRoutes: ModuleRoutes = async (app, deps) => {
  const { db, config } = deps;

  app.get(
    '/api/staff/messages/pools',
    {
      config: access,
      schema: {
        tags,
        summary:
          "The clinic's message pools you work, with what waits in each and who works it, and the clinic's providers",
        querystring: ClinicQuery,
        response: { 200: InboxPools, ...errors },
      },
    },
    async (req) => {
      const { clinicId } = req.query as { clinicId: string };
      const clinic = await requireInboxClinic(deps, req, clinicId, 'query');
      return inboxPools(db, clinic);
    },
  );

  app.get(
    '/api/staff/messages/threads',
    {
      config: access,
      schema: {
        tags,
        summary:
          "A clinic's conversations in your pools: by pool, status and assignee, oldest waiting first, with the reply clock",
        querystring: ThreadQuery,
        response: {
          200: Type.Object({
            threads: Type.Array(ThreadSummary),
            hasMore: Type.Boolean(),
            searchLimited: Type.Boolean({
              description: `A search read only the ${SEARCH_LIMIT} threads waiting longest; filters narrow it`,
            }),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query as {
        clinicId: string;
        poolId?: string;
        status: StatusFilter;
        assigned: 'me' | 'unassigned' | 'any';
        q?: string;
        page: number;
      };
      const clinic = await requireInboxClinic(deps, req, q.clinicId, 'query');
      if (q.poolId && !clinic.pools.some((p) => p.id === q.poolId))
        await refuse(deps, req, { clinicId: clinic.id }, 'query', 'That pool was not found.');
      return db.transaction().execute(async (trx) => {
        const page = await threadPage(trx, config, clinic, q, viewer(req).userId);
        await auditMany(trx, auditSource(req), [
          {
            action: 'query',
            resourceType: RESOURCE,
            clinicId: clinic.id,
            details: {
              view: 'inbox',
              status: q.status,
              assigned: q.assigned,
              searched: Boolean(q.q),
              page: q.page,
              count: page.threads.length,
            },
          },
          ...page.threads.map((t) => ({
            action: 'query' as const,
            resourceType: RESOURCE,
            resourceId: t.id,
            patientId: t.patientId,
            clinicId: clinic.id,
          })),
        ]);
        return page;
      });
    },
  );

  app.get(
    '/api/staff/messages/threads/:id',
    {
      config: access,
      schema: {
        tags,
        summary: 'One conversation with its internal notes and who wrote what; marks it read',
        params: IdParams,
        response: { 200: ThreadView, ...errors },
      },
    },
    async (req) => {
      const t = await requireThread(deps, req, (req.params as { id: string }).id, 'view');
      return db.transaction().execute((trx) => openThread(trx, config, req, t, viewer(req)));
    },
  );

  app.post(
    '/api/staff/messages/threads/:id/messages',
    {
      config: access,
      schema: {
        tags,
        summary: 'Reply to the patient, or add an internal note (internal: true) only staff see',
        params: IdParams,
        body: StaffReply,
        response: { 201: ThreadView, ...errors },
      },
    },
    async (req, reply) => {
      const t = await requireThread(deps, req, (req.params as { id: string }).id, 'create');
      const body = req.body as { body: string; internal: boolean; attachmentIds?: string[] };
      await db.transaction().execute(async (trx) => {
        await mayStillSend(trx, req, true);
        const messageId = await postMessage(trx, deps, {
          threadId: t.id,
          authorUserId: viewer(req).userId,
          fromStaff: true,
          internal: body.internal,
          body: body.body,
          attachmentIds: body.attachmentIds,
        });
        await audit(trx, auditSource(req), {
          action: 'create',
          resourceType: RESOURCE,
          resourceId: messageId,
          patientId: t.patientId,
          clinicId: t.clinicId,
          details: {
            thread: t.id,
            internal: body.internal,
            attachments: body.attachmentIds?.length ?? 0,
          },
        });
      });
      nudgeOutbox(deps.jobs);
      return reply.status(201).send(await threadView(db, config, t.id, viewer(req)));
    },
  );

  app.post(
    '/api/staff/messages/threads/:id/assign',
    {
      config: access,
      schema: {
        tags,
        summary:
          'Assign the conversation to yourself or a colleague who works the inbox at its clinic; null: nobody',
        params: IdParams,
        body: AssignBody,
        response: { 200: ThreadView, ...errors },
      },
    },
    async (req) => {
      const t = await requireThread(deps, req, (req.params as { id: string }).id, 'update');
      const { userId } = req.body as { userId: string | null };
      if (userId) await mustHoldRole(deps, t, userId, 'userId', INBOX_ROLES);
      return change(deps, req, t, { assigned: userId }, async (trx) => {
        await trx
          .updateTable('message_threads')
          .set({ assigned_user_id: userId })
          .where('id', '=', t.id)
          .execute();
        if (userId) await startWork(trx, t.id);
      });
    },
  );

  app.post(
    '/api/staff/messages/threads/:id/status',
    {
      config: access,
      schema: {
        tags,
        summary: 'Set the status: new, in progress, waiting for the patient, or closed',
        params: IdParams,
        body: StatusBody,
        response: { 200: ThreadView, ...errors },
      },
    },
    async (req) => {
      const t = await requireThread(deps, req, (req.params as { id: string }).id, 'update');
      const { status } = req.body as { status: ThreadStatus };
      return change(deps, req, t, { status: { from: t.status, to: status } }, async (trx) => {
        await trx.updateTable('message_threads').set({ status }).where('id', '=', t.id).execute();
      });
    },
  );

  app.post(
    '/api/staff/messages/threads/:id/handoff',
    {
      config: access,
      schema: {
        tags,
        summary:
          'Hand the conversation to a provider of the clinic, with an internal note for them',
        params: IdParams,
        body: HandoffBody,
        response: { 200: ThreadView, ...errors },
      },
    },
    async (req) => {
      const t = await requireThread(deps, req, (req.params as { id: string }).id, 'update');
      const { providerUserId, note } = req.body as { providerUserId: string; note: string };
      await mustHoldRole(deps, t, providerUserId, 'providerUserId', ['provider']);
      return change(deps, req, t, { handoff: providerUserId }, async (trx) => {
        await trx
          .updateTable('message_threads')
          .set({ assigned_user_id: providerUserId })
          .where('id', '=', t.id)
          .execute();
        await postMessage(trx, deps, {
          threadId: t.id,
          authorUserId: viewer(req).userId,
          fromStaff: true,
          internal: true,
          body: note,
        });
        await startWork(trx, t.id);
      });
    },
  );

  app.post(
    '/api/staff/messages/threads',
    {
      config: access,
      schema: {
        tags,
        summary:
          'Start a conversation with a patient registered at the clinic (they get an e-mail)',
        body: StaffStartThread,
        response: { 201: ThreadView, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as {
        clinicId: string;
        patientId: string;
        topic: Topic;
        subject: string;
        body: string;
      };
      const clinic = await requireInboxClinic(deps, req, body.clinicId, 'create');
      const pool = clinic.pools.find((p) => p.topic === body.topic);
      if (!pool)
        throw badField(
          'topic',
          `choose a topic you answer at this clinic (${TOPICS.filter((x) =>
            clinic.pools.some((p) => p.topic === x),
          ).join(', ')})`,
        );
      const registered = await db
        .selectFrom('patient_clinics')
        .select('patient_id')
        .where('patient_id', '=', body.patientId)
        .where('clinic_id', '=', clinic.id)
        .executeTakeFirst();
      if (!registered)
        await refuse(
          deps,
          req,
          { patientId: body.patientId, clinicId: clinic.id },
          'create',
          'That patient was not found at this clinic.',
        );
      const me = viewer(req).userId;
      const threadId = await db.transaction().execute(async (trx) => {
        await mayStillSend(trx, req, true);
        const id = await startThread(trx, deps, {
          clinicId: clinic.id,
          patientId: body.patientId,
          poolId: pool.id,
          topic: body.topic,
          subject: body.subject,
          body: body.body,
          authorUserId: me,
          fromStaff: true,
        });
        // The patient's answer comes back to whoever wrote.
        await trx
          .updateTable('message_threads')
          .set({ status: 'waiting_for_patient', assigned_user_id: me })
          .where('id', '=', id)
          .execute();
        await audit(trx, auditSource(req), {
          action: 'create',
          resourceType: RESOURCE,
          resourceId: id,
          patientId: body.patientId,
          clinicId: clinic.id,
          details: { topic: body.topic, startedByStaff: true },
        });
        return id;
      });
      nudgeOutbox(deps.jobs);
      return reply.status(201).send(await threadView(db, config, threadId, viewer(req)));
    },
  );

  app.get(
    '/api/staff/messages/measures',
    {
      config: { access: { roles: MEASURE_ROLES } },
      schema: {
        tags,
        summary:
          "A clinic's time to first staff reply per pool (median, 90th percentile, share within target) and what waits now",
        querystring: MeasuresQuery,
        response: { 200: MessageMeasures, ...errors },
      },
    },
    async (req) => {
      const q = req.query as { clinicId: string; from?: string; to?: string };
      const clinic = await requireInboxClinic(deps, req, q.clinicId, 'query', MEASURE_ROLES);
      const to = q.to ? new Date(q.to) : new Date();
      const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY_MS);
      if (from >= to) throw badField('from', 'must be before to');
      return messageMeasures(db, clinic, { from, to });
    },
  );
};
