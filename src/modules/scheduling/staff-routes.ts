// The front desk's scheduling API: a clinic's day, the booking requests to
// approve or decline, booking, moving and cancelling for a patient, and
// marking arrived, no-show or completed. Staff reach only the clinics where
// they hold a scheduling role; every read and change is audited with the
// staff member as the actor and the patient on the event. Online rules and
// the patient's cut-offs do not bind staff; the database's constraints do.
import { Type } from 'typebox';
import { nudgeOutbox } from '../../ehr/outbox/outbox.ts';
import { audit, auditMany } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleDeps, ModuleRoutes } from '../../platform/http/module.ts';
import { bookAppointment } from './booking.ts';
import { approveRequest, markOutcome } from './front-desk.ts';
import { ClinicOptions, RescheduleBody, SlotPage, Uuid } from './model.ts';
import { clinicOptions } from './options.ts';
import { freshSearch } from './refresh.ts';
import { mustBeLinked } from './refusals.ts';
import { cancelled, rescheduled } from './routes.ts';
import {
  ClinicPageQuery,
  DayQuery,
  DayView,
  OutcomeBody,
  ReasonBody,
  StaffAppointment,
  StaffAppointmentPage,
  StaffBookBody,
  StaffSlotQuery,
} from './staff-model.ts';
import {
  requireAppointment,
  requireClinic,
  requirePatientAt,
  SCHEDULE_ROLES,
  scheduleClinics,
  staffActor,
} from './staff-scope.ts';
import {
  dayView,
  findStaffAppointment,
  patientAppointments,
  requestsQueue,
} from './staff-views.ts';
import type { VisitOutcome } from './visit-outcomes.ts';

const access = { access: { roles: SCHEDULE_ROLES } };
const errors = {
  400: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};
const IdParams = Type.Object({ id: Uuid });

/** The appointment as the desk now sees it, after a change. */
async function current(deps: ModuleDeps, id: string, clinics: string[] | 'all') {
  const view = await findStaffAppointment(deps.db, id, clinics);
  if (!view) throw new ApiError(404, 'not_found', 'That appointment was not found.');
  return view;
}

export const staffSchedulingRoutes: ModuleRoutes = async (app, deps) => {
  const { db } = deps;

  app.get(
    '/api/staff/scheduling/options',
    {
      config: access,
      schema: {
        tags: ['front desk'],
        summary: 'Your clinics with their visit types and providers',
        response: { 200: Type.Object({ clinics: Type.Array(ClinicOptions) }), ...errors },
      },
    },
    async (req) => ({ clinics: await clinicOptions(db, { clinicIds: scheduleClinics(req) }) }),
  );

  app.get(
    '/api/staff/scheduling/day',
    {
      config: access,
      schema: {
        tags: ['front desk'],
        summary: "A clinic's day: every appointment by time, and each provider's open times left",
        querystring: DayQuery,
        response: { 200: DayView, ...errors },
      },
    },
    async (req) => {
      const q = req.query as DayQuery;
      const clinic = await requireClinic(deps, req, q.clinicId, 'query');
      return db.transaction().execute(async (trx) => {
        const day = await dayView(trx, clinic, q);
        // Whom the page showed, one row each, so each patient's access log
        // lists the look; the day itself is one query event with the count.
        await auditMany(trx, auditSource(req), [
          {
            action: 'query',
            resourceType: 'Appointment',
            clinicId: clinic.id,
            details: {
              view: 'day',
              date: day.date,
              page: day.page,
              count: day.appointments.length,
            },
          },
          ...day.appointments.map((a) => ({
            action: 'query' as const,
            resourceType: 'Appointment',
            resourceId: a.id,
            patientId: a.patientId,
            clinicId: clinic.id,
          })),
        ]);
        return day;
      });
    },
  );

  app.get(
    '/api/staff/scheduling/requests',
    {
      config: access,
      schema: {
        tags: ['front desk'],
        summary: 'Booking requests waiting for approval at a clinic, oldest first',
        querystring: ClinicPageQuery,
        response: { 200: StaffAppointmentPage, ...errors },
      },
    },
    async (req) => {
      const q = req.query as { clinicId: string; page: number };
      const clinic = await requireClinic(deps, req, q.clinicId, 'query');
      return db.transaction().execute(async (trx) => {
        const page = await requestsQueue(trx, clinic.id, q.page);
        await auditMany(trx, auditSource(req), [
          {
            action: 'query',
            resourceType: 'Appointment',
            clinicId: clinic.id,
            details: { view: 'requests', page: q.page, count: page.appointments.length },
          },
          ...page.appointments.map((a) => ({
            action: 'query' as const,
            resourceType: 'Appointment',
            resourceId: a.id,
            patientId: a.patientId,
            clinicId: clinic.id,
          })),
        ]);
        return page;
      });
    },
  );

  app.get(
    '/api/staff/scheduling/patients/:patientId/appointments',
    {
      config: access,
      schema: {
        tags: ['front desk'],
        summary: "A patient's appointments at your clinics: upcoming or past",
        params: Type.Object({ patientId: Uuid }),
        querystring: Type.Object(
          {
            when: Type.Union([Type.Literal('upcoming'), Type.Literal('past')], {
              default: 'upcoming',
            }),
            page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: StaffAppointmentPage, ...errors },
      },
    },
    async (req) => {
      const { patientId } = req.params as { patientId: string };
      const { when, page } = req.query as { when: 'upcoming' | 'past'; page: number };
      await requirePatientAt(deps, req, patientId, 'query');
      return db.transaction().execute(async (trx) => {
        const list = await patientAppointments(trx, {
          patientId,
          clinics: scheduleClinics(req),
          when,
          page,
        });
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: 'Appointment',
          patientId,
          details: { when, page, count: list.appointments.length },
        });
        return list;
      });
    },
  );

  app.get(
    '/api/staff/scheduling/slots',
    {
      config: access,
      schema: {
        tags: ['front desk'],
        summary:
          'Open times for a visit type, to book for a patient (inside the online lead time too)',
        querystring: StaffSlotQuery,
        response: { 200: SlotPage, ...errors },
      },
    },
    async (req) => {
      const { patientId, ...q } = req.query as StaffSlotQuery;
      await requireClinic(deps, req, q.clinicId, 'query');
      await requirePatientAt(deps, req, patientId, 'query', q.clinicId);
      return freshSearch(deps, q, { patientId, byStaff: true }, req.log);
    },
  );

  app.post(
    '/api/staff/appointments',
    {
      config: access,
      schema: {
        tags: ['front desk'],
        summary: 'Books a time for a patient (confirmed with the EHR like any booking)',
        body: StaffBookBody,
        response: { 201: StaffAppointment, ...errors },
      },
    },
    async (req, reply) => {
      const { patientId, ...body } = req.body as StaffBookBody;
      const slot = await db
        .selectFrom('slots')
        .select('clinic_id')
        .where('id', '=', Number(body.slotId))
        .executeTakeFirst();
      await requirePatientAt(deps, req, patientId, 'create', slot?.clinic_id);
      if (!slot) throw new ApiError(404, 'unavailable', 'That time is not offered for this visit.');
      const booked = await bookAppointment(db, staffActor(req), {
        patientId,
        slotId: Number(body.slotId),
        visitTypeId: body.visitTypeId,
        mode: body.mode,
        linkedOnly: !!deps.ehr,
      });
      nudgeOutbox(deps.jobs);
      reply.code(201);
      return current(deps, booked.id, scheduleClinics(req));
    },
  );

  app.post(
    '/api/staff/appointments/:id/approve',
    {
      config: access,
      schema: {
        tags: ['front desk'],
        summary: 'Approves a booking request: it goes to the EHR like any booking',
        params: IdParams,
        response: { 200: StaffAppointment, ...errors },
      },
    },
    async (req) => {
      const a = await requireAppointment(deps, req, (req.params as { id: string }).id, 'update');
      await mustBeLinked(deps, a.patientId, true);
      await approveRequest(db, staffActor(req), { id: a.id, clinics: a.clinics });
      nudgeOutbox(deps.jobs);
      return current(deps, a.id, a.clinics);
    },
  );

  app.post(
    '/api/staff/appointments/:id/decline',
    {
      config: access,
      schema: {
        tags: ['front desk'],
        summary: 'Declines a booking request with a reason; the patient is told by e-mail',
        params: IdParams,
        body: ReasonBody,
        response: { 200: StaffAppointment, ...errors },
      },
    },
    async (req) => {
      const a = await requireAppointment(deps, req, (req.params as { id: string }).id, 'update');
      const { reason } = req.body as { reason: string };
      await cancelled(deps, staffActor(req), a.id, { clinicIds: a.clinics }, reason, 'declined');
      return current(deps, a.id, a.clinics);
    },
  );

  app.post(
    '/api/staff/appointments/:id/cancel',
    {
      config: access,
      schema: {
        tags: ['front desk'],
        summary: 'Cancels an appointment for the patient (up to its start) with a reason',
        params: IdParams,
        body: ReasonBody,
        response: { 200: StaffAppointment, ...errors },
      },
    },
    async (req) => {
      const a = await requireAppointment(deps, req, (req.params as { id: string }).id, 'update');
      const { reason } = req.body as { reason: string };
      await cancelled(deps, staffActor(req), a.id, { clinicIds: a.clinics }, reason);
      return current(deps, a.id, a.clinics);
    },
  );

  app.post(
    '/api/staff/appointments/:id/reschedule',
    {
      config: access,
      schema: {
        tags: ['front desk'],
        summary: 'Moves an appointment for the patient: the new time is taken and the old let go',
        params: IdParams,
        body: RescheduleBody,
        response: { 200: StaffAppointment, ...errors },
      },
    },
    async (req) => {
      const a = await requireAppointment(deps, req, (req.params as { id: string }).id, 'update');
      const slotId = Number((req.body as { slotId: string }).slotId);
      const moved = await rescheduled(
        deps,
        staffActor(req),
        a.id,
        { clinicIds: a.clinics },
        slotId,
      );
      return current(deps, moved.id, a.clinics);
    },
  );

  app.post(
    '/api/staff/appointments/:id/status',
    {
      config: access,
      schema: {
        tags: ['front desk'],
        summary: 'Marks the patient arrived, a no-show, or the visit completed',
        params: IdParams,
        body: OutcomeBody,
        response: { 200: StaffAppointment, ...errors },
      },
    },
    async (req) => {
      const a = await requireAppointment(deps, req, (req.params as { id: string }).id, 'update');
      const outcome = (req.body as { status: VisitOutcome }).status;
      await markOutcome(db, staffActor(req), { id: a.id, clinics: a.clinics, outcome });
      return current(deps, a.id, a.clinics);
    },
  );
};
