// Staff work with patients at their clinics: search, open a record, and
// issue an activation code (shown once, printed as a letter or e-mailed).
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { audit, auditMany } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { PATIENT_CARE_ROLES, requirePatient, staffClinicIds } from '../../platform/auth/scope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { issueActivationCode } from '../accounts/activation.ts';
import type { Role } from '../accounts/tables.ts';
import { PatientPage, PatientRecord, Uuid } from './model.ts';
import { letterClinic, loadPatientRecord } from './record.ts';
import { searchPatients } from './search.ts';

const ISSUER_ROLES: readonly Role[] = ['front_desk', 'clinic_admin', 'support_agent'];
const PatientParams = Type.Object({ patientId: Uuid });
const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

export const patientRoutes: ModuleRoutes = async (app, { db, config }) => {
  // POST, so the search text (a name, a birth date: PHI) travels in the body
  // and never in a URL that proxies log and browsers keep.
  app.post(
    '/api/staff/patients/search',
    {
      config: { access: { roles: PATIENT_CARE_ROLES } },
      schema: {
        tags: ['staff'],
        summary: 'Search patients registered at your clinics by name, MRN or birth date',
        body: Type.Object(
          {
            q: Type.String({
              minLength: 2,
              maxLength: 100,
              description:
                '"family, given", "given family", one name (prefixes), MRN, or YYYY-MM-DD',
            }),
            clinicId: Type.Optional(Uuid),
            page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: PatientPage, ...errors },
      },
    },
    async (req) => {
      const clinics = await searchScope(db, req, req.body.clinicId);
      return db.transaction().execute(async (trx) => {
        const result = await searchPatients(trx, { ...req.body, clinics });
        // The search text is PHI (a name, a birth date): only the count is
        // kept, and whom the page showed, one row each, so the patient's
        // access log lists "searched and found you" beside every look.
        await auditMany(trx, auditSource(req), [
          {
            action: 'query',
            resourceType: 'Patient',
            clinicId: req.body.clinicId ?? null,
            details: { resultCount: result.total, page: result.page },
          },
          ...result.patients.map((patient) => ({
            action: 'query' as const,
            resourceType: 'Patient',
            resourceId: patient.id,
            patientId: patient.id,
            clinicId: patient.clinics[0]?.clinicId ?? null,
          })),
        ]);
        return result;
      });
    },
  );

  app.get(
    '/api/staff/patients/:patientId',
    {
      config: { access: { roles: PATIENT_CARE_ROLES } },
      schema: {
        tags: ['staff'],
        summary: 'A patient: demographics, clinics, portal account, activation code, proxies',
        params: PatientParams,
        response: { 200: PatientRecord, ...errors },
      },
    },
    async (req) => {
      const patientId = await requirePatient(db, req, req.params.patientId, {
        resourceType: 'Patient',
        action: 'view',
      });
      return db.transaction().execute(async (trx) => {
        const record = await loadPatientRecord(trx, patientId, staffClinicIds(req.auth as Auth));
        await audit(trx, auditSource(req), {
          action: 'view',
          resourceType: 'Patient',
          resourceId: patientId,
          patientId,
          // The clinic through which this staff member reaches the patient.
          clinicId: record.clinics[0]?.clinicId ?? null,
        });
        return record;
      });
    },
  );

  app.post(
    '/api/staff/patients/:patientId/activation-codes',
    {
      config: { access: { roles: ISSUER_ROLES } },
      schema: {
        tags: ['staff'],
        summary: 'Issue a one-time activation code (shown once) and the letter to print',
        params: PatientParams,
        body: Type.Object(
          {
            sendEmail: Type.Optional(
              Type.Boolean({ description: 'also e-mail it to the address on file' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            code: Type.String(),
            expiresAt: Type.String({ format: 'date-time' }),
            letter: Type.Object({
              patientName: Type.String(),
              clinicName: Type.String(),
              clinicPhone: Type.String(),
              activateUrl: Type.String(),
            }),
          }),
          ...errors,
          409: ErrorResponse,
        },
      },
    },
    async (req) => {
      const patientId = await requirePatient(db, req, req.params.patientId, {
        resourceType: 'ActivationCode',
        action: 'create',
      });
      const auth = req.auth as Auth;
      // Someone who is a nurse at one clinic and front desk at another issues only at the latter.
      const clinic = await letterClinic(db, patientId, staffClinicIds(auth, ISSUER_ROLES));
      if (!clinic) return refuse(db, req, 'ActivationCode', patientId);
      const patient = await db
        .selectFrom('patients')
        .select(['given_name', 'family_name'])
        .where('id', '=', patientId)
        .executeTakeFirstOrThrow();
      const { code, expiresAt } = await issueActivationCode(db, auditSource(req), {
        patientId,
        issuedBy: auth.user.id,
        sendEmail: req.body?.sendEmail ?? false,
        publicUrl: config.publicUrl,
      });
      return {
        code,
        expiresAt: expiresAt.toISOString(),
        letter: {
          patientName: `${patient.given_name} ${patient.family_name}`,
          clinicName: clinic.name,
          clinicPhone: clinic.phone,
          activateUrl: `${config.publicUrl}/activate`,
        },
      };
    },
  );
};

/** The clinics a search covers; asking for a clinic one does not work at is refused. */
async function searchScope(db: Kysely<Schema>, req: FastifyRequest, clinicId?: string) {
  const mine = staffClinicIds(req.auth as Auth);
  if (!clinicId) return mine;
  if (mine === 'all' || mine.includes(clinicId)) return [clinicId];
  await audit(db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: 'Patient',
    clinicId,
    details: { attempted: 'query' },
  });
  throw new ApiError(403, 'forbidden', 'You can only search the clinics you work at.');
}

async function refuse(
  db: Kysely<Schema>,
  req: FastifyRequest,
  resourceType: string,
  patientId: string,
): Promise<never> {
  await audit(db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType,
    patientId,
    details: { attempted: 'create' },
  });
  throw new ApiError(404, 'not_found', 'That record was not found.');
}
