// The patient's refill API: medications with what may be asked for online,
// the clinic's pharmacies, submitting, and following, cancelling or answering
// a request. The patient is the session's own (or the one a caregiver acts
// for); every read and change is audited, and another patient's request
// answers the same 404 as none, audited as a refusal.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { nudgeOutbox } from '../../ehr/outbox/outbox.ts';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { isUuid, sessionPatient } from '../../platform/auth/scope.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleDeps, ModuleRoutes } from '../../platform/http/module.ts';
import { nudgeMailSender } from '../../platform/mail/mail.ts';
import { auditedNotFound } from '../scheduling/refusals.ts';
import {
  MedicationRefill,
  Pharmacy,
  RefillRequestView,
  RefillSubmit,
  TextBody,
  Uuid,
} from './model.ts';
import {
  answerRefill,
  cancelRefill,
  medicationRefills,
  type PatientActor,
  patientClinics,
  submitRefills,
} from './requests.ts';
import { refillRequestView, refillRequestViews } from './views.ts';

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const PAGE = 20;
const tags = ['refills'];
const ClinicRef = Type.Object({ id: Uuid, name: Type.String() });

const actorOf = (req: FastifyRequest): PatientActor => ({
  source: auditSource(req),
  userId: (req.auth as NonNullable<typeof req.auth>).user.id,
});

const patientOf = (deps: ModuleDeps, req: FastifyRequest) =>
  sessionPatient(deps.db, req, 'RefillRequest');

/** A clinic the patient is registered at; any other is refused as not found, audited. */
async function patientClinic(
  deps: ModuleDeps,
  req: FastifyRequest,
  patientId: string,
  clinicId: string,
  attempted: string,
) {
  const clinic = (await patientClinics(deps.db, patientId)).find((c) => c.id === clinicId);
  if (clinic) return clinic;
  await audit(deps.db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: 'RefillRequest',
    patientId,
    clinicId: isUuid(clinicId) ? clinicId : null,
    details: { attempted },
  });
  throw new ApiError(404, 'not_found', 'That clinic was not found among yours.');
}

export const patientRefillRoutes: ModuleRoutes = async (app, deps) => {
  const { db, config } = deps;

  app.get(
    '/api/refills/medications',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary:
          "The patient's medications, each with whether it can be requested online at the clinic (clinicId, default the first the patient registered at) and why not",
        querystring: Type.Object(
          { clinicId: Type.Optional(Uuid) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            medications: Type.Array(MedicationRefill),
            /** The clinic whose rules judged them: submit the requests to it. Null without a clinic. */
            clinicId: Type.Union([Uuid, Type.Null()]),
            /** The patient's clinics, first registration first. */
            clinics: Type.Array(ClinicRef),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const asked = (req.query as { clinicId?: string }).clinicId;
      const patientId = await patientOf(deps, req);
      // Judged by the rules of the clinic the requests will go to, as submitting does.
      const chosen = asked ? await patientClinic(deps, req, patientId, asked, 'query') : undefined;
      return db.transaction().execute(async (trx) => {
        const clinics = await patientClinics(trx, patientId);
        const clinic = chosen ?? clinics[0];
        const medications = clinic ? await medicationRefills(trx, patientId, clinic) : [];
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: 'MedicationRequest',
          patientId,
          clinicId: clinic?.id ?? null,
          details: { purpose: 'refills', count: medications.length },
        });
        return {
          medications,
          clinicId: clinic?.id ?? null,
          clinics: clinics.map((c) => ({ id: c.id, name: c.name })),
        };
      });
    },
  );

  app.get(
    '/api/refills/pharmacies',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "The clinic's pharmacy directory and the patient's preferred pharmacy",
        querystring: Type.Object({ clinicId: Uuid }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            pharmacies: Type.Array(Pharmacy),
            /** The saved preferred pharmacy, when it is in this clinic's list. */
            preferredPharmacyId: Type.Union([Uuid, Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { clinicId } = req.query as { clinicId: string };
      const patientId = await patientOf(deps, req);
      const clinic = await patientClinic(deps, req, patientId, clinicId, 'query');
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('pharmacies')
          .select(['id', 'clinic_id', 'name', 'address', 'phone'])
          .where('clinic_id', '=', clinic.id)
          .where('active', '=', true)
          .orderBy('name')
          .orderBy('id')
          .execute();
        const preferred = await trx
          .selectFrom('patient_pharmacies')
          .select('pharmacy_id')
          .where('patient_id', '=', patientId)
          .executeTakeFirst();
        await audit(trx, auditSource(req), {
          action: 'view',
          resourceType: 'RefillRequest',
          patientId,
          clinicId: clinic.id,
          details: { what: 'pharmacies' },
        });
        const pharmacies = rows.map((r) => ({
          id: r.id,
          clinicId: r.clinic_id,
          name: r.name,
          address: r.address,
          phone: r.phone,
        }));
        const preferredPharmacyId = pharmacies.some((p) => p.id === preferred?.pharmacy_id)
          ? (preferred?.pharmacy_id as string)
          : null;
        return { pharmacies, preferredPharmacyId };
      });
    },
  );

  app.post(
    '/api/refills',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary:
          'Requests refills for one or several medications: all or none. 201 when this call created at least one request; 200 when every medication already had an open request (a repeat), which is returned',
        body: RefillSubmit,
        response: {
          200: Type.Object({ requests: Type.Array(RefillRequestView) }),
          201: Type.Object({ requests: Type.Array(RefillRequestView) }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const body = req.body as RefillSubmit;
      const patientId = await patientOf(deps, req);
      const clinic = await patientClinic(deps, req, patientId, body.clinicId, 'create');
      await mustBeLinkedForRefills(deps, patientId);
      const submitted = await unknownMedicationAudited(deps, req, patientId, () =>
        submitRefills(db, actorOf(req), { patientId, clinic, body, publicUrl: config.publicUrl }),
      );
      if (submitted.created.length > 0) {
        nudgeOutbox(deps.jobs);
        void nudgeMailSender(deps.jobs, config);
      }
      reply.code(submitted.created.length > 0 ? 201 : 200);
      return {
        requests: await refillRequestViews(db, submitted.ids, { forPatient: true, patientId }),
      };
    },
  );

  app.get(
    '/api/refills',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "The patient's refill requests, newest first",
        querystring: Type.Object(
          { page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            requests: Type.Array(RefillRequestView),
            page: Type.Integer(),
            hasMore: Type.Boolean(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { page } = req.query as { page: number };
      const patientId = await patientOf(deps, req);
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('refill_requests')
          .select('id')
          .where('patient_id', '=', patientId)
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(PAGE + 1)
          .offset((page - 1) * PAGE)
          .execute();
        const ids = rows.slice(0, PAGE).map((r) => r.id);
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: 'RefillRequest',
          patientId,
          details: { count: ids.length },
        });
        return {
          requests: await refillRequestViews(trx, ids, { forPatient: true, patientId }),
          page,
          hasMore: rows.length > PAGE,
        };
      });
    },
  );

  app.get(
    '/api/refills/:id',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'One refill request with its timeline',
        params: Type.Object({ id: Uuid }),
        response: { 200: RefillRequestView, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const patientId = await patientOf(deps, req);
      const what = { patientId, resourceType: 'RefillRequest', resourceId: id, attempted: 'view' };
      return auditedNotFound(deps, req, what, () =>
        db.transaction().execute(async (trx) => {
          const view = await ownView(trx, id, patientId);
          await audit(trx, auditSource(req), {
            action: 'view',
            resourceType: 'RefillRequest',
            resourceId: id,
            patientId,
            clinicId: view.clinicId,
          });
          return view;
        }),
      );
    },
  );

  app.post(
    '/api/refills/:id/cancel',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: 'Cancels a request the care team has not decided yet',
        params: Type.Object({ id: Uuid }),
        response: { 200: RefillRequestView, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const patientId = await patientOf(deps, req);
      const what = {
        patientId,
        resourceType: 'RefillRequest',
        resourceId: id,
        attempted: 'update',
      };
      await auditedNotFound(deps, req, what, () => cancelRefill(db, actorOf(req), patientId, id));
      nudgeOutbox(deps.jobs);
      return ownView(db, id, patientId);
    },
  );

  app.post(
    '/api/refills/:id/answer',
    {
      config: { access: 'signed-in' },
      schema: {
        tags,
        summary: "Answers the care team's question about a request",
        params: Type.Object({ id: Uuid }),
        body: TextBody,
        response: { 200: RefillRequestView, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const { text } = req.body as { text: string };
      const patientId = await patientOf(deps, req);
      const what = {
        patientId,
        resourceType: 'RefillRequest',
        resourceId: id,
        attempted: 'update',
      };
      await auditedNotFound(deps, req, what, () =>
        answerRefill(db, actorOf(req), patientId, id, text),
      );
      return ownView(db, id, patientId);
    },
  );
};

/**
 * A request must be able to reach the EHR: a patient whose portal record is
 * not linked to the EHR's yet is sent to the phone rather than left with a
 * request no prescriber ever sees. Only where the portal has an EHR, as for
 * booking (scheduling/refusals.ts mustBeLinked).
 */
async function mustBeLinkedForRefills(deps: ModuleDeps, patientId: string) {
  if (!deps.ehr) return;
  const row = await deps.db
    .selectFrom('patients')
    .select('ehr_patient_id')
    .where('id', '=', patientId)
    .executeTakeFirst();
  if (row?.ehr_patient_id) return;
  throw new ApiError(
    409,
    'not_linked',
    "Your portal account is not connected to the clinic's records yet, so refills cannot be requested online. Please call the clinic.",
  );
}

async function ownView(db: ModuleDeps['db'], id: string, patientId: string) {
  const view = await refillRequestView(db, id, { forPatient: true, patientId });
  if (!view) throw new ApiError(404, 'not_found', 'That refill request was not found.');
  return view;
}

/** A medication not in the patient's record is refused like any record out of reach: audited. */
async function unknownMedicationAudited<T>(
  deps: ModuleDeps,
  req: FastifyRequest,
  patientId: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ApiError && err.code === 'not_found')
      await audit(deps.db, auditSource(req), {
        action: 'access_denied',
        outcome: 'failure',
        resourceType: 'MedicationRequest',
        resourceId: (err.details as { medicationId?: string } | undefined)?.medicationId,
        patientId,
        details: { attempted: 'create' },
      });
    throw err;
  }
}
