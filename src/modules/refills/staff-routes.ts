// The clinic's refill review API: the queue with its due times, one request
// with the patient's context, triage (notes, questions, routing), decisions,
// and the clinic's turnaround measures. Every read of a request is audited
// with the patient on the event; staff of another clinic get an audited 404.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { nudgeOutbox } from '../../ehr/outbox/outbox.ts';
import { auditMany } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleDeps, ModuleRoutes } from '../../platform/http/module.ts';
import { refillContext } from './context.ts';
import { moveStatus } from './events.ts';
import { refillMeasures } from './measures.ts';
import {
  ApproveBody,
  DenyBody,
  QueueItem,
  RefillMeasures,
  RefillRequestView,
  RefillReview,
  RouteBody,
  TextBody,
  Uuid,
} from './model.ts';
import { queuePage } from './queue.ts';
import {
  addNote,
  askPatient,
  decide,
  decisionRights,
  mustBeAllowedTo,
  mustTriage,
  RESOURCE,
  REVIEW_ROLES,
  type ReachedRefill,
  requireRefill,
  requireReviewClinic,
  reviewer,
  routeRefill,
  triages,
} from './review.ts';
import type { RoutedTo } from './tables.ts';
import { refillRequestView } from './views.ts';

const access = { access: { roles: REVIEW_ROLES } };
const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const DAY_MS = 86_400_000;

const QueueQuery = Type.Object(
  {
    clinicId: Uuid,
    status: Type.Union([Type.Literal('undecided'), Type.Literal('decided')], {
      default: 'undecided',
    }),
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

/** The request as staff see it now, after a change. */
async function current(deps: ModuleDeps, id: string) {
  const view = await refillRequestView(deps.db, id, { forPatient: false });
  if (!view) throw new ApiError(404, 'not_found', 'That refill request was not found.');
  return view;
}

/** One step of triage or decision on a request, in its own transaction. */
async function step(
  deps: ModuleDeps,
  req: FastifyRequest,
  attempted: string,
  check: (r: ReachedRefill) => Promise<void>,
  work: (trx: ModuleDeps['db'], r: ReachedRefill) => Promise<void>,
) {
  const r = await requireRefill(deps, req, (req.params as { id: string }).id, attempted);
  await check(r);
  await deps.db.transaction().execute((trx) => work(trx, r));
  nudgeOutbox(deps.jobs);
  return current(deps, r.id);
}

export const staffRefillRoutes: ModuleRoutes = async (app, deps) => {
  const { db } = deps;

  app.get(
    '/api/staff/refills',
    {
      config: access,
      schema: {
        tags: ['refills'],
        summary:
          "A clinic's refill requests: waiting for a decision (oldest first, with due time) or decided",
        querystring: QueueQuery,
        response: {
          200: Type.Object({ items: Type.Array(QueueItem), hasMore: Type.Boolean() }),
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query as { clinicId: string; status: 'undecided' | 'decided'; page: number };
      const clinic = await requireReviewClinic(deps, req, q.clinicId, 'query');
      return db.transaction().execute(async (trx) => {
        const page = await queuePage(trx, clinic, q);
        // One row for the look, and one per patient listed for their access log.
        await auditMany(trx, auditSource(req), [
          {
            action: 'query',
            resourceType: RESOURCE,
            clinicId: clinic.id,
            details: { view: q.status, page: q.page, count: page.items.length },
          },
          ...page.items.map((i) => ({
            action: 'query' as const,
            resourceType: RESOURCE,
            resourceId: i.id,
            patientId: i.patientId,
            clinicId: clinic.id,
          })),
        ]);
        return page;
      });
    },
  );

  app.get(
    '/api/staff/refills/measures',
    {
      config: access,
      schema: {
        tags: ['refills'],
        summary:
          "A clinic's refill turnaround (median, 90th percentile, share within target) and what waits now",
        querystring: MeasuresQuery,
        response: { 200: RefillMeasures, ...errors },
      },
    },
    async (req) => {
      const q = req.query as { clinicId: string; from?: string; to?: string };
      const clinic = await requireReviewClinic(deps, req, q.clinicId, 'query');
      const to = q.to ? new Date(q.to) : new Date();
      const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY_MS);
      if (from >= to)
        throw new ApiError(400, 'validation_failed', 'from: must be before to', [
          { field: 'from', message: 'must be before to' },
        ]);
      return refillMeasures(db, clinic, { from, to });
    },
  );

  app.get(
    '/api/staff/refills/:id',
    {
      config: access,
      schema: {
        tags: ['refills'],
        summary:
          'One refill request with its whole timeline, what you may decide, and the patient context; a nurse or provider opening it puts it in review',
        params: IdParams,
        response: { 200: RefillReview, ...errors },
      },
    },
    async (req) => {
      const r = await requireRefill(deps, req, (req.params as { id: string }).id, 'view');
      const userId = reviewer(deps, req).userId;
      return db.transaction().execute(async (trx) => {
        // A clinic admin's look is not a review: the patient would read "in review".
        if (triages(r))
          await moveStatus(trx, r.id, ['requested'], 'in_review', { actorUserId: userId });
        const request = await refillRequestView(trx, r.id, { forPatient: false });
        if (!request) throw new ApiError(404, 'not_found', 'That refill request was not found.');
        const context = await refillContext(trx, r);
        const rights = await decisionRights(trx, r);
        const patient = await trx
          .selectFrom('patients')
          .select(['given_name', 'family_name'])
          .where('id', '=', r.patientId)
          .executeTakeFirstOrThrow();
        const undecided = request.status === 'requested' || request.status === 'in_review';
        const on = { patientId: r.patientId, clinicId: r.clinicId };
        await auditMany(trx, auditSource(req), [
          { action: 'view', resourceType: RESOURCE, resourceId: r.id, ...on },
          ...['MedicationRequest', 'AllergyIntolerance', 'Observation', 'Appointment'].map(
            (resourceType) => ({
              action: 'view' as const,
              resourceType,
              ...on,
              details: { for: 'refill_review', request: r.id },
            }),
          ),
        ]);
        return {
          request,
          patientName: `${patient.given_name} ${patient.family_name}`,
          mayApprove: undecided && rights.mayApprove,
          mayDeny: undecided && rights.mayDeny,
          context,
        };
      });
    },
  );

  const post = (
    path: string,
    summary: string,
    body: typeof TextBody | typeof ApproveBody | typeof DenyBody | typeof RouteBody,
    handler: (req: FastifyRequest) => Promise<RefillRequestView>,
  ) =>
    app.post(
      `/api/staff/refills/:id/${path}`,
      {
        config: access,
        schema: {
          tags: ['refills'],
          summary,
          params: IdParams,
          body,
          response: { 200: RefillRequestView, ...errors },
        },
      },
      handler,
    );

  post('notes', 'Adds a note for the care team (the patient does not see it)', TextBody, (req) =>
    step(
      deps,
      req,
      'note',
      (r) => mustTriage(deps, req, r),
      (trx, r) => addNote(trx, reviewer(deps, req), r, (req.body as { text: string }).text),
    ),
  );

  post(
    'question',
    'Asks the patient a question; they are told by e-mail and answer in the portal',
    TextBody,
    (req) =>
      step(
        deps,
        req,
        'question',
        (r) => mustTriage(deps, req, r),
        (trx, r) => askPatient(trx, reviewer(deps, req), r, (req.body as { text: string }).text),
      ),
  );

  post(
    'route',
    'Routes the request to the nurses or providers of its clinic, or to one of them',
    RouteBody,
    (req) =>
      step(
        deps,
        req,
        'route',
        (r) => mustTriage(deps, req, r),
        (trx, r) => {
          const b = req.body as { to: RoutedTo; userId?: string };
          return routeRefill(trx, reviewer(deps, req), r, b.to, b.userId);
        },
      ),
  );

  post(
    'approve',
    "Approves: a provider, or a nurse for a medication the clinic's protocol names; the new order goes to the EHR",
    ApproveBody,
    (req) =>
      step(
        deps,
        req,
        'approve',
        (r) => mustBeAllowedTo(deps, req, r, 'approve'),
        (trx, r) =>
          decide(trx, reviewer(deps, req), r, {
            outcome: 'approved',
            note: (req.body as { note?: string }).note,
          }),
      ),
  );

  post('deny', 'Denies (providers only), with a reason the patient reads', DenyBody, (req) =>
    step(
      deps,
      req,
      'deny',
      (r) => mustBeAllowedTo(deps, req, r, 'deny'),
      (trx, r) =>
        decide(trx, reviewer(deps, req), r, {
          outcome: 'denied',
          reason: (req.body as { reason: string }).reason,
        }),
    ),
  );
};
