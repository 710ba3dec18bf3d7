// Staff find a patient in the clinic's EHR and link them to the portal, so
// the activation code is issued from the EHR's record and demographics come
// from there. The search text stays out of URLs and audit rows; asking for a
// clinic one does not work at is refused and audited.
import type { Patient } from '@medplum/fhirtypes';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { Role } from '../../modules/accounts/tables.ts';
import { audit, auditMany } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { staffClinicIds } from '../../platform/auth/scope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { EhrError, type EhrGateway } from '../gateway/gateway.ts';
import { mrnAt } from '../identifiers.ts';
import { refreshIfStale } from '../sync/jobs.ts';
import { candidatesOf, MAX_CANDIDATES, searchParams } from './candidates.ts';
import { linkEhrPatient } from './link.ts';

const LINK_ROLES: readonly Role[] = ['front_desk', 'clinic_admin', 'support_agent'];
const Uuid = Type.String({ format: 'uuid' });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const errors = {
  400: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  502: ErrorResponse,
};

const Candidate = Type.Object({
  ehrPatientId: Type.String(),
  name: Type.Object({ given: Type.String(), family: Type.String() }),
  birthDate: Type.Union([Type.String(), Type.Null()]),
  gender: Type.Union([Type.String(), Type.Null()]),
  mrn: Type.Union([Type.String(), Type.Null()]),
  linkedPatientId: Type.Union([Uuid, Type.Null()]),
});

export const ehrLinkRoutes: ModuleRoutes = async (app, { db, config, jobs, ehr }) => {
  app.post(
    '/api/staff/ehr-patients/search',
    {
      config: { access: { roles: LINK_ROLES } },
      schema: {
        tags: ['staff'],
        summary:
          "Find a patient in the clinic's record system (EHR) by MRN, or name and birth date",
        body: Type.Object(
          {
            clinicId: Uuid,
            mrn: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            family: Type.Optional(Name),
            given: Type.Optional(Name),
            birthDate: Type.Optional(Type.String({ format: 'date' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ candidates: Type.Array(Candidate) }), ...errors },
      },
    },
    async (req) => {
      const clinic = await linkClinic(db, req, req.body.clinicId, 'query');
      const params = searchParams(req.body, clinic.slug);
      const found = await askEhr(() =>
        gateway(ehr).search<Patient>('Patient', params, MAX_CANDIDATES),
      );
      return db.transaction().execute(async (trx) => {
        const candidates = await candidatesOf(trx, found, clinic.slug);
        // Counts only, never the search text; each linked patient found gets
        // a row, so their access log shows the look.
        await auditMany(trx, auditSource(req), [
          {
            action: 'query',
            resourceType: 'EhrPatient',
            clinicId: clinic.id,
            details: { resultCount: candidates.length, by: req.body.mrn ? 'mrn' : 'name' },
          },
          ...candidates.flatMap((c) =>
            c.linkedPatientId
              ? [
                  {
                    action: 'query' as const,
                    resourceType: 'EhrPatient',
                    resourceId: c.ehrPatientId,
                    patientId: c.linkedPatientId,
                    clinicId: clinic.id,
                  },
                ]
              : [],
          ),
        ]);
        return { candidates };
      });
    },
  );

  app.post(
    '/api/staff/ehr-patients/link',
    {
      config: { access: { roles: LINK_ROLES } },
      schema: {
        tags: ['staff'],
        summary: 'Link an EHR patient to the portal (creating the portal patient from the EHR)',
        body: Type.Object(
          {
            clinicId: Uuid,
            ehrPatientId: Type.String({ pattern: '^[A-Za-z0-9\\-.]{1,64}$' }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ patientId: Uuid }),
          201: Type.Object({ patientId: Uuid }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const clinic = await linkClinic(db, req, req.body.clinicId, 'create');
      const ehrPatient = await askEhr(() =>
        gateway(ehr).read<Patient>('Patient', req.body.ehrPatientId),
      );
      if (!ehrPatient?.id)
        throw new ApiError(
          404,
          'ehr_patient_not_found',
          "The clinic's record system has no such patient; search again.",
        );
      const mrn = mrnAt(ehrPatient, clinic.slug);
      if (!mrn)
        throw new ApiError(
          400,
          'no_mrn_at_clinic',
          `This patient has no MRN at ${clinic.name} in the record system; register them there first.`,
        );
      const linked = await linkEhrPatient(db, auditSource(req), {
        clinicId: clinic.id,
        mrn,
        ehrPatient: { ...ehrPatient, id: ehrPatient.id },
      });
      // Their record is fetched in the background, ready before they first sign in.
      await refreshIfStale(jobs, db, config, linked.patientId, 'link');
      return reply.code(linked.created ? 201 : 200).send({ patientId: linked.patientId });
    },
  );
};

/** The clinic asked for, when the caller links patients there; else refused and audited. */
async function linkClinic(
  db: Kysely<Schema>,
  req: FastifyRequest,
  clinicId: string,
  attempted: 'query' | 'create',
) {
  const mine = staffClinicIds(req.auth as Auth, LINK_ROLES);
  if (mine !== 'all' && !mine.includes(clinicId)) {
    await audit(db, auditSource(req), {
      action: 'access_denied',
      outcome: 'failure',
      resourceType: 'EhrPatient',
      clinicId,
      details: { attempted },
    });
    throw new ApiError(403, 'forbidden', 'You can only link patients at the clinics you work at.');
  }
  const clinic = await db
    .selectFrom('clinics')
    .select(['id', 'slug', 'name'])
    .where('id', '=', clinicId)
    .executeTakeFirst();
  if (!clinic) throw new ApiError(404, 'clinic_not_found', 'There is no such clinic.');
  return clinic;
}

const UNAVAILABLE = "The clinic's record system did not answer; try again in a minute.";

function gateway(ehr: EhrGateway | undefined): EhrGateway {
  if (!ehr) throw new ApiError(502, 'ehr_unavailable', UNAVAILABLE);
  return ehr;
}

/** An EHR that fails or cannot be reached is the clinic's system being down, for the person waiting. */
async function askEhr<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof EhrError) throw new ApiError(502, 'ehr_unavailable', UNAVAILABLE);
    throw err;
  }
}
