// The patient's scheduling API: what can be booked, open times, holding a
// time, booking, moving and cancelling, and the calendar file. The patient
// (or a caregiver acting for them) is always the one in the session; every
// read and change is audited in its own transaction.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { nudgeOutbox } from '../../ehr/outbox/outbox.ts';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { sessionPatient } from '../../platform/auth/scope.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleDeps, ModuleRoutes } from '../../platform/http/module.ts';
import {
  type Actor,
  bookAppointment,
  cancelAppointment,
  holdSlot,
  releaseHold,
  rescheduleAppointment,
} from './booking.ts';
import {
  AppointmentView,
  BookBody,
  CancelBody,
  ClinicOptions,
  HoldBody,
  HoldView,
  RescheduleBody,
  SlotId,
  SlotPage,
  SlotSearchQuery,
  Uuid,
} from './model.ts';
import { appointmentIcs, appointmentUrl, noticeFacts, queueAppointmentNotice } from './notices.ts';
import { type OpenTimesMemory, openTimesMemory } from './open-times-memory.ts';
import { clinicOptions } from './options.ts';
import { freshSearch } from './refresh.ts';
import { auditedNotFound, mustBeLinked } from './refusals.ts';
import { appointmentsQuery, appointmentView, findAppointment } from './views.ts';
import { offerFreedSlot } from './waitlist.ts';

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const PAGE = 20;

export const patientActor = (req: FastifyRequest): Actor => ({
  source: auditSource(req),
  userId: (req.auth as NonNullable<typeof req.auth>).user.id,
  byStaff: false,
});

export const patientSchedulingRoutes: ModuleRoutes = async (app, deps) => {
  const { db, config } = deps;
  const memory = await openTimesMemory(app, deps);

  app.get(
    '/api/scheduling/options',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: 'The clinics where the patient can book, with their visit types and providers',
        response: { 200: Type.Object({ clinics: Type.Array(ClinicOptions) }), ...errors },
      },
    },
    async (req) => {
      const patientId = await sessionPatient(deps.db, req, 'Appointment');
      return { clinics: await clinicOptions(db, { patientId }) };
    },
  );

  app.get(
    '/api/scheduling/slots',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: 'Open times for a visit type, earliest first (the first is the first available)',
        querystring: SlotSearchQuery,
        response: { 200: SlotPage, ...errors },
      },
    },
    async (req) => {
      const q = req.query as SlotSearchQuery;
      const patientId = await sessionPatient(deps.db, req, 'Appointment');
      return patientSearch(deps, req, q, patientId, memory);
    },
  );

  app.post(
    '/api/appointments/holds',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: 'Keeps a time for the patient for a few minutes while they confirm',
        body: HoldBody,
        response: { 201: HoldView, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as { slotId: string; visitTypeId: string };
      const patientId = await sessionPatient(deps.db, req, 'Appointment');
      await mustBeLinked(deps, patientId);
      const held = await holdSlot(db, patientActor(req), {
        patientId,
        slotId: Number(body.slotId),
        visitTypeId: body.visitTypeId,
      });
      reply.code(201);
      return { slotId: String(held.slotId), expiresAt: held.expiresAt.toISOString() };
    },
  );

  app.delete(
    '/api/appointments/holds/:slotId',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: 'Lets go of a held time',
        params: Type.Object({ slotId: SlotId }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const patientId = await sessionPatient(deps.db, req, 'Appointment');
      await releaseHold(db, patientId, Number((req.params as { slotId: string }).slotId));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/appointments',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: 'Books a time (or sends a request, for visit types the clinic approves)',
        body: BookBody,
        response: { 201: AppointmentView, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as BookBody;
      const patientId = await sessionPatient(deps.db, req, 'Appointment');
      const booked = await bookAppointment(db, patientActor(req), {
        patientId,
        slotId: Number(body.slotId),
        visitTypeId: body.visitTypeId,
        mode: body.mode,
        linkedOnly: !!deps.ehr,
      });
      if (booked.status === 'requested')
        await db
          .transaction()
          .execute((trx) => queueAppointmentNotice(trx, booked.id, 'requested', config.publicUrl));
      else nudgeOutbox(deps.jobs);
      reply.code(201);
      return booked.appointment;
    },
  );

  app.get(
    '/api/appointments',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: "The patient's appointments: upcoming (soonest first) or past (latest first)",
        querystring: Type.Object(
          {
            when: Type.Union([Type.Literal('upcoming'), Type.Literal('past')], {
              default: 'upcoming',
            }),
            page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            appointments: Type.Array(AppointmentView),
            page: Type.Integer(),
            hasMore: Type.Boolean(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { when, page } = req.query as { when: 'upcoming' | 'past'; page: number };
      const patientId = await sessionPatient(deps.db, req, 'Appointment');
      return db.transaction().execute(async (trx) => {
        const now = new Date();
        const rows = await appointmentsQuery(trx)
          .where('a.patient_id', '=', patientId)
          .where('a.ends_at', when === 'upcoming' ? '>' : '<=', now)
          .where('a.status', '<>', 'cancelled')
          .orderBy('a.starts_at', when === 'upcoming' ? 'asc' : 'desc')
          .orderBy('a.id')
          .limit(PAGE + 1)
          .offset((page - 1) * PAGE)
          .execute();
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: 'Appointment',
          patientId,
          details: { when, count: Math.min(rows.length, PAGE) },
        });
        return {
          appointments: rows.slice(0, PAGE).map((r) => appointmentView(r, now)),
          page,
          hasMore: rows.length > PAGE,
        };
      });
    },
  );

  app.get(
    '/api/appointments/:id',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: 'One appointment',
        params: Type.Object({ id: Uuid }),
        response: { 200: AppointmentView, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const patientId = await sessionPatient(deps.db, req, 'Appointment');
      const what = { patientId, resourceType: 'Appointment', resourceId: id, attempted: 'view' };
      return auditedNotFound(deps, req, what, () =>
        db.transaction().execute(async (trx) => {
          const view = await findAppointment(trx, id, { patientId });
          if (!view) throw new ApiError(404, 'not_found', 'That appointment was not found.');
          await audit(trx, auditSource(req), {
            action: 'view',
            resourceType: 'Appointment',
            resourceId: id,
            patientId,
            clinicId: view.clinicId,
          });
          return view;
        }),
      );
    },
  );

  app.get(
    '/api/appointments/:id/calendar.ics',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: 'The appointment as a calendar file',
        params: Type.Object({ id: Uuid }),
        response: { 200: Type.String(), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const patientId = await sessionPatient(deps.db, req, 'Appointment');
      const what = { patientId, resourceType: 'Appointment', resourceId: id, attempted: 'export' };
      const ics = await auditedNotFound(deps, req, what, () =>
        db.transaction().execute(async (trx) => {
          const view = await findAppointment(trx, id, { patientId });
          if (!view) throw new ApiError(404, 'not_found', 'That appointment was not found.');
          await audit(trx, auditSource(req), {
            action: 'export',
            resourceType: 'Appointment',
            resourceId: id,
            patientId,
            clinicId: view.clinicId,
            details: { format: 'ics' },
          });
          const { facts } = await noticeFacts(trx, id);
          const cancelled = ['cancelled', 'declined', 'not_booked'].includes(view.status);
          return appointmentIcs(facts, appointmentUrl(config.publicUrl, id), cancelled);
        }),
      );
      reply
        .type('text/calendar; charset=utf-8')
        .header('content-disposition', 'attachment; filename="appointment.ics"');
      return ics;
    },
  );

  app.post(
    '/api/appointments/:id/cancel',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: "Cancels an appointment (before the clinic's cut-off) with a reason",
        params: Type.Object({ id: Uuid }),
        body: CancelBody,
        response: { 200: AppointmentView, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const patientId = await sessionPatient(deps.db, req, 'Appointment');
      const what = { patientId, resourceType: 'Appointment', resourceId: id, attempted: 'update' };
      await auditedNotFound(deps, req, what, () =>
        cancelled(
          deps,
          patientActor(req),
          id,
          { patientId },
          (req.body as { reason: string }).reason,
        ),
      );
      return (await findAppointment(db, id, { patientId })) as AppointmentView;
    },
  );

  app.post(
    '/api/appointments/:id/reschedule',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary:
          'Moves an appointment to another time: the new one is taken and the old one let go together',
        params: Type.Object({ id: Uuid }),
        body: RescheduleBody,
        response: { 200: AppointmentView, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const patientId = await sessionPatient(deps.db, req, 'Appointment');
      const what = { patientId, resourceType: 'Appointment', resourceId: id, attempted: 'update' };
      const moved = await auditedNotFound(deps, req, what, () =>
        rescheduled(
          deps,
          patientActor(req),
          id,
          { patientId },
          Number((req.body as { slotId: string }).slotId),
        ),
      );
      return moved.appointment;
    },
  );
};

/** Cancels, tells the patient and sends the change on its way. */
export async function cancelled(
  deps: ModuleDeps,
  actor: Actor,
  id: string,
  scope: { patientId: string } | { clinicIds: string[] | 'all' },
  reason: string,
  status: 'cancelled' | 'declined' = 'cancelled',
) {
  const freed = await cancelAppointment(deps.db, actor, { id, scope, reason, status });
  await deps.db
    .transaction()
    .execute((trx) => queueAppointmentNotice(trx, id, status, deps.config.publicUrl));
  nudgeOutbox(deps.jobs);
  await offerFreedSlot(deps.db, freed.slotId, deps.config);
  return freed;
}

/** Moves, tells the patient and sends the change on its way. */
export async function rescheduled(
  deps: ModuleDeps,
  actor: Actor,
  id: string,
  scope: { patientId: string } | { clinicIds: string[] | 'all' },
  slotId: number,
) {
  const moved = await rescheduleAppointment(deps.db, actor, { id, scope, slotId });
  await deps.db
    .transaction()
    .execute((trx) => queueAppointmentNotice(trx, id, 'cancelled', deps.config.publicUrl));
  nudgeOutbox(deps.jobs);
  await offerFreedSlot(deps.db, moved.freedSlotId, deps.config);
  return moved;
}

/** The patient's search; a clinic where they are not a patient is a refusal, audited. */
async function patientSearch(
  deps: ModuleDeps,
  req: FastifyRequest,
  q: SlotSearchQuery,
  patientId: string,
  memory: OpenTimesMemory | undefined,
) {
  try {
    return await freshSearch(deps, q, { patientId }, req.log, memory);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'not_found')
      await audit(deps.db, auditSource(req), {
        action: 'access_denied',
        outcome: 'failure',
        resourceType: 'Slot',
        patientId,
        clinicId: q.clinicId,
        details: { attempted: 'query' },
      });
    throw err;
  }
}
