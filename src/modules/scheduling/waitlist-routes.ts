// The patient's waitlist API: asking for an earlier time for an appointment,
// the offers of freed times, accepting or declining one. The patient is the
// session's; someone else's appointment or offer is an audited 404.
import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { nudgeOutbox } from '../../ehr/outbox/outbox.ts';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { sessionPatient } from '../../platform/auth/scope.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { AppointmentView, Uuid } from './model.ts';
import { queueAppointmentNotice } from './notices.ts';
import { auditedNotFound } from './refusals.ts';
import { patientActor } from './routes.ts';
import { joinWaitlist, leaveWaitlist, offerFreedSlot, waitlistState } from './waitlist.ts';
import { acceptOffer, declineOffer, type OfferRow, openOffers } from './waitlist-offers.ts';

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const Instant = Type.String({ format: 'date-time' });
const WAITLIST_CHOICES = ['same', 'any'] as const;

export const WaitlistStateView = Type.Object({
  appointmentId: Uuid,
  waiting: Type.Boolean(),
  provider: Type.Union([Type.Enum(WAITLIST_CHOICES), Type.Null()]),
  joinedAt: Type.Union([Instant, Type.Null()]),
  canJoin: Type.Boolean(),
});

const JoinBody = Type.Object(
  {
    provider: Type.Enum(WAITLIST_CHOICES, {
      description: 'same: only the appointment’s provider; any: whoever offers the visit',
    }),
  },
  { additionalProperties: false },
);

export const OfferView = Type.Object({
  id: Uuid,
  appointmentId: Uuid,
  clinicId: Uuid,
  clinicName: Type.String(),
  clinicPhone: Type.String(),
  timeZone: Type.String(),
  providerName: Type.String(),
  visitTypeName: Type.Object({ en: Type.String(), es: Type.String() }),
  startsAt: Instant,
  endsAt: Instant,
  /** When the appointment it would replace starts. */
  currentStartsAt: Instant,
  expiresAt: Instant,
});
export type OfferView = Static<typeof OfferView>;

const offerView = (r: OfferRow): OfferView => ({
  id: r.id,
  appointmentId: r.appointment_id,
  clinicId: r.clinic_id,
  clinicName: r.clinic_name,
  clinicPhone: r.clinic_phone,
  timeZone: r.time_zone,
  providerName: r.provider_name,
  visitTypeName: { en: r.name_en, es: r.name_es },
  startsAt: r.starts_at.toISOString(),
  endsAt: r.ends_at.toISOString(),
  currentStartsAt: r.current_starts_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
});

const AppointmentParams = Type.Object({ id: Uuid }, { additionalProperties: false });
const OfferParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const waitlistRoutes: ModuleRoutes = async (app, deps) => {
  const { db, config } = deps;
  /** The appointment in the path, the session's patient, and what to audit if it is not theirs. */
  const appointmentAsked = async (req: FastifyRequest, attempted: string) => {
    const { id } = req.params as { id: string };
    const patientId = await sessionPatient(deps.db, req, 'WaitlistEntry');
    return {
      id,
      patientId,
      what: { patientId, resourceType: 'Appointment', resourceId: id, attempted },
    };
  };
  const offerOn = async (slotIds: number[]) => {
    for (const slotId of slotIds) await offerFreedSlot(db, slotId, config);
  };

  app.get(
    '/api/appointments/:id/waitlist',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: 'Whether the appointment is waiting for an earlier time',
        params: AppointmentParams,
        response: { 200: WaitlistStateView, ...errors },
      },
    },
    async (req) => {
      const { id, patientId, what } = await appointmentAsked(req, 'view');
      return auditedNotFound(deps, req, what, () =>
        db.transaction().execute(async (trx) => {
          const state = await waitlistState(trx, { patientId, appointmentId: id });
          await audit(trx, auditSource(req), {
            action: 'view',
            resourceType: 'WaitlistEntry',
            resourceId: id,
            patientId,
          });
          return state;
        }),
      );
    },
  );

  app.post(
    '/api/appointments/:id/waitlist',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary:
          'Asks for an earlier time for the appointment (same provider or any), or changes that choice',
        params: AppointmentParams,
        body: JoinBody,
        response: { 200: WaitlistStateView, ...errors },
      },
    },
    async (req) => {
      const { provider } = req.body as Static<typeof JoinBody>;
      const { id, patientId, what } = await appointmentAsked(req, 'create');
      await auditedNotFound(deps, req, what, () =>
        joinWaitlist(db, auditSource(req), { patientId, appointmentId: id, provider }),
      );
      return waitlistState(db, { patientId, appointmentId: id });
    },
  );

  app.delete(
    '/api/appointments/:id/waitlist',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: 'Stops waiting for an earlier time; open offers to this appointment are declined',
        params: AppointmentParams,
        response: { 200: WaitlistStateView, ...errors },
      },
    },
    async (req) => {
      const { id, patientId, what } = await appointmentAsked(req, 'update');
      const letGo = await auditedNotFound(deps, req, what, () =>
        leaveWaitlist(db, auditSource(req), { patientId, appointmentId: id }),
      );
      await offerOn(letGo);
      return waitlistState(db, { patientId, appointmentId: id });
    },
  );

  app.get(
    '/api/waitlist/offers',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: 'Earlier times offered to the patient that can still be accepted',
        response: { 200: Type.Object({ offers: Type.Array(OfferView) }), ...errors },
      },
    },
    async (req) => {
      const patientId = await sessionPatient(deps.db, req, 'WaitlistOffer');
      return db.transaction().execute(async (trx) => {
        const rows = await openOffers(trx, patientId);
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: 'WaitlistOffer',
          patientId,
          details: { count: rows.length },
        });
        return { offers: rows.map(offerView) };
      });
    },
  );

  app.post(
    '/api/waitlist/offers/:id/accept',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary:
          'Takes the offered time: the appointment moves to it and its old time is let go; the first to accept gets it',
        params: OfferParams,
        response: { 200: AppointmentView, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const patientId = await sessionPatient(deps.db, req, 'WaitlistOffer');
      const what = {
        patientId,
        resourceType: 'WaitlistOffer',
        resourceId: id,
        attempted: 'update',
      };
      const moved = await auditedNotFound(deps, req, what, () =>
        acceptOffer(db, patientActor(req), { offerId: id, patientId }),
      );
      // As for any move: the old time's cancellation (with its calendar file), the
      // write-back, and the old slot offered on to whoever waits behind.
      await db
        .transaction()
        .execute((trx) =>
          queueAppointmentNotice(trx, moved.previousId, 'cancelled', config.publicUrl),
        );
      nudgeOutbox(deps.jobs);
      await offerFreedSlot(db, moved.freedSlotId, config);
      return moved.appointment;
    },
  );

  app.post(
    '/api/waitlist/offers/:id/decline',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['scheduling'],
        summary: 'Turns an offered time down; the patient stays on the waitlist',
        params: OfferParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const patientId = await sessionPatient(deps.db, req, 'WaitlistOffer');
      const what = {
        patientId,
        resourceType: 'WaitlistOffer',
        resourceId: id,
        attempted: 'update',
      };
      const slotId = await auditedNotFound(deps, req, what, () =>
        declineOffer(db, auditSource(req), { offerId: id, patientId }),
      );
      await offerOn([slotId]);
      return reply.status(204).send(null);
    },
  );
};
