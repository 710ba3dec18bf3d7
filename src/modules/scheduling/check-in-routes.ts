// Check-in: the patient's page (GET, submit, "I'm here") and the staff
// review desk. A patient reaches only their own appointments (the session's
// patient), staff only their clinics'; anything else is an audited 404.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { audit, auditMany } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { sessionPatient, staffClinicIds } from '../../platform/auth/scope.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleDeps, ModuleRoutes } from '../../platform/http/module.ts';
import { arrive, checkInView, submitCheckIn } from './check-in.ts';
import {
  CheckInBody,
  CheckInDetail,
  CheckInListQuery,
  CheckInPage,
  CheckInView,
} from './check-in-model.ts';
import { checkInDetail, listCheckIns, markReviewed } from './check-in-review.ts';
import { AppointmentView, Uuid } from './model.ts';
import { SCHEDULE_ROLES } from './staff-scope.ts';
import { findAppointment } from './views.ts';

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const AppointmentParams = Type.Object({ id: Uuid });
const ReviewParams = Type.Object({ appointmentId: Uuid });

type Auth = NonNullable<FastifyRequest['auth']>;
const userOf = (req: FastifyRequest) => (req.auth as Auth).user;

/** Audits a refusal (kept even though the request fails) and answers as if nothing were there. */
async function refuse(
  deps: ModuleDeps,
  req: FastifyRequest,
  p: {
    resourceType: string;
    resourceId: string;
    attempted: string;
    patientId?: string;
    clinicId?: string;
    message?: string;
  },
): Promise<never> {
  await audit(deps.db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: p.resourceType,
    resourceId: p.resourceId,
    patientId: p.patientId ?? null,
    clinicId: p.clinicId ?? null,
    details: { attempted: p.attempted },
  });
  throw new ApiError(404, 'not_found', p.message ?? 'That appointment was not found.');
}

/** The patient's own appointment, or an audited 404. */
async function ownAppointment(deps: ModuleDeps, req: FastifyRequest, attempted: string) {
  const { id } = req.params as { id: string };
  const patientId = await sessionPatient(deps.db, req, 'CheckIn');
  const found = await findAppointment(deps.db, id, { patientId });
  if (!found)
    await refuse(deps, req, { resourceType: 'CheckIn', resourceId: id, attempted, patientId });
  return { id, patientId };
}

export const checkInRoutes: ModuleRoutes = async (app, deps) => {
  const { db } = deps;

  /** The check-in page's data, read and audited in one transaction. */
  const view = (req: FastifyRequest, id: string, patientId: string) =>
    db.transaction().execute(async (trx) => {
      const found = (await checkInView(trx, id, patientId)) as CheckInView;
      await audit(trx, auditSource(req), {
        action: 'view',
        resourceType: 'CheckIn',
        resourceId: id,
        patientId,
        clinicId: found.appointment.clinicId,
      });
      return found;
    });

  app.get(
    '/api/appointments/:id/check-in',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary:
          "Check-in for an appointment: whether it is open, the patient's details, medications and allergies as the portal knows them, and the visit's questionnaire",
        params: AppointmentParams,
        response: { 200: CheckInView, ...errors },
      },
    },
    async (req) => {
      const { id, patientId } = await ownAppointment(deps, req, 'view');
      return view(req, id, patientId);
    },
  );

  app.post(
    '/api/appointments/:id/check-in',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary:
          'Checks in (from 3 days before the start): confirmations, changes and answers go to the clinic for review, not into the record',
        params: AppointmentParams,
        body: CheckInBody,
        response: { 200: CheckInView, ...errors },
      },
    },
    async (req) => {
      const { id, patientId } = await ownAppointment(deps, req, 'create');
      await submitCheckIn(
        db,
        { source: auditSource(req), userId: userOf(req).id },
        { appointmentId: id, patientId, body: req.body as CheckInBody },
      );
      return view(req, id, patientId);
    },
  );

  app.post(
    '/api/appointments/:id/arrive',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: `"I'm here": tells the front desk the patient has arrived (from 30 minutes before the start to 15 minutes after)`,
        params: AppointmentParams,
        response: { 200: AppointmentView, ...errors },
      },
    },
    async (req) => {
      const { id, patientId } = await ownAppointment(deps, req, 'update');
      await arrive(db, auditSource(req), { appointmentId: id, patientId });
      return (await findAppointment(db, id, { patientId })) as AppointmentView;
    },
  );

  // ---- Staff review ----

  app.get(
    '/api/staff/check-ins',
    {
      config: { access: { roles: SCHEDULE_ROLES } },
      schema: {
        tags: ['staff'],
        summary: 'Check-ins at your clinics: unreviewed first (soonest visit first), then reviewed',
        querystring: CheckInListQuery,
        response: { 200: CheckInPage, ...errors },
      },
    },
    async (req) => {
      const q = req.query as CheckInListQuery;
      const mine = staffClinicIds(req.auth as Auth, SCHEDULE_ROLES);
      if (q.clinicId && mine !== 'all' && !mine.includes(q.clinicId))
        await refuse(deps, req, {
          resourceType: 'CheckIn',
          resourceId: q.clinicId,
          attempted: 'query',
          clinicId: q.clinicId,
          message: 'You can review check-ins only at the clinics you work at.',
        });
      const clinics = q.clinicId ? [q.clinicId] : mine;
      return db.transaction().execute(async (trx) => {
        const page = await listCheckIns(trx, { clinics, show: q.show, page: q.page });
        // One row for the search, one per patient shown, so each patient's access log lists it.
        await auditMany(trx, auditSource(req), [
          {
            action: 'query',
            resourceType: 'CheckIn',
            clinicId: q.clinicId ?? null,
            details: { show: q.show, page: q.page, count: page.checkIns.length },
          },
          ...page.checkIns.map((c) => ({
            action: 'query' as const,
            resourceType: 'CheckIn',
            resourceId: c.appointmentId,
            patientId: c.patient.id,
            clinicId: c.clinicId,
          })),
        ]);
        return page;
      });
    },
  );

  /** One check-in at the staff member's clinics (marked reviewed first, for 'update'), audited. */
  const staffDetail = (req: FastifyRequest, action: 'view' | 'update') => {
    const { appointmentId } = req.params as { appointmentId: string };
    const clinics = staffClinicIds(req.auth as Auth, SCHEDULE_ROLES);
    return db.transaction().execute(async (trx) => {
      if (action === 'update') await markReviewed(trx, appointmentId, clinics, userOf(req).id);
      const detail = await checkInDetail(trx, appointmentId, clinics);
      if (detail)
        await audit(trx, auditSource(req), {
          action,
          resourceType: 'CheckIn',
          resourceId: appointmentId,
          patientId: detail.summary.patient.id,
          clinicId: detail.summary.clinicId,
          ...(action === 'update' && { details: { reviewed: true } }),
        });
      return detail;
    });
  };

  const staffParams = { params: ReviewParams, response: { 200: CheckInDetail, ...errors } };

  app.get(
    '/api/staff/check-ins/:appointmentId',
    {
      config: { access: { roles: SCHEDULE_ROLES } },
      schema: {
        tags: ['staff'],
        summary: "A patient's check-in: what they changed or added, beside the current values",
        ...staffParams,
      },
    },
    async (req) => {
      const detail = await staffDetail(req, 'view');
      if (detail) return detail;
      return outOfReach(req, 'view');
    },
  );

  app.post(
    '/api/staff/check-ins/:appointmentId/reviewed',
    {
      config: { access: { roles: SCHEDULE_ROLES } },
      schema: {
        tags: ['staff'],
        summary:
          'Marks a check-in reviewed (staff enter the changes in the EHR themselves; the portal does not)',
        ...staffParams,
      },
    },
    async (req) => {
      const detail = await staffDetail(req, 'update');
      if (detail) return detail;
      return outOfReach(req, 'update');
    },
  );

  /** No check-in at the caller's clinics: another clinic's is refused like one that does not exist. */
  async function outOfReach(req: FastifyRequest, attempted: string): Promise<never> {
    const { appointmentId } = req.params as { appointmentId: string };
    const elsewhere = await findAppointment(db, appointmentId, { clinicIds: 'all' });
    return refuse(deps, req, {
      resourceType: 'CheckIn',
      resourceId: appointmentId,
      attempted,
      patientId: elsewhere?.patientId,
      clinicId: elsewhere?.clinicId,
    });
  }
};
