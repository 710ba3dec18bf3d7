// The visit-type admin API: a clinic admin lists, adds and changes the
// visit types of their clinic and the rules for booking them online; a
// system admin does so for any clinic. Another clinic's visit types are
// answered like missing ones, and the refusal is audited.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { auditSource } from '../../platform/auth/context.ts';
import { requireOwnClinic } from '../../platform/auth/scope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import type { Role } from '../accounts/tables.ts';
import { ClinicOptions, Uuid, VisitTypeView } from './model.ts';
import { clinicOptions } from './options.ts';
import { BOOKING_MODES, PATIENT_KINDS, VISIT_MODES } from './tables.ts';
import { RULE_LIMITS, VISIT_CODE_PATTERN, VISIT_NAME_MAX } from './visit-type-limits.ts';
import {
  createVisitType,
  type NewVisitType,
  updateVisitType,
  type VisitTypeChange,
  visitTypeClinic,
} from './visit-types.ts';

export const VISIT_RULES_ROLES: readonly Role[] = ['clinic_admin', 'system_admin'];

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

const Name = Type.String({ minLength: 1, maxLength: VISIT_NAME_MAX });
const Whole = (limits: { min: number; max: number }, description: string) =>
  Type.Integer({ minimum: limits.min, maximum: limits.max, description });

/** The rules both adding and changing a visit type set. */
const ruleFields = {
  nameEn: Name,
  nameEs: Name,
  booking: Type.Enum(BOOKING_MODES, {
    description: 'online: booked at once; request: staff approve; offline: call the clinic',
  }),
  patients: Type.Enum(PATIENT_KINDS),
  mode: Type.Enum(VISIT_MODES),
  minLeadMinutes: Whole(RULE_LIMITS.minLeadMinutes, 'earliest booking, in minutes from now'),
  maxDaysAhead: Whole(RULE_LIMITS.maxDaysAhead, 'latest booking, in days from now'),
  changeCutoffHours: Whole(
    RULE_LIMITS.changeCutoffHours,
    'patients may cancel or move until this many hours before',
  ),
  maxFutureBookings: Whole(
    RULE_LIMITS.maxFutureBookings,
    'upcoming appointments a patient may hold at the clinic',
  ),
  providerIds: Type.Array(Uuid, { maxItems: 500, uniqueItems: true }),
};

const NewBody = Type.Object(
  {
    clinicId: Uuid,
    code: Type.String({ pattern: VISIT_CODE_PATTERN, description: 'e.g. office-visit' }),
    ...ruleFields,
  },
  { additionalProperties: false },
);

const ChangeBody = Type.Object(
  { ...ruleFields, active: Type.Boolean() },
  { additionalProperties: false },
);

export const visitTypeRoutes: ModuleRoutes = async (app, { db }) => {
  app.get(
    '/api/admin/scheduling/visit-types',
    {
      config: { access: { roles: VISIT_RULES_ROLES } },
      schema: {
        tags: ['scheduling'],
        summary: "A clinic's visit types (inactive ones too) with their rules and providers",
        querystring: Type.Object({ clinicId: Uuid }, { additionalProperties: false }),
        response: { 200: ClinicOptions, ...errors },
      },
    },
    async (req) => {
      const { clinicId } = req.query as { clinicId: string };
      await mustAdminister(db, req, clinicId, { attempted: 'query' });
      const [options] = await clinicOptions(db, { clinicIds: [clinicId] }, true);
      if (!options) throw notFound();
      return options;
    },
  );

  app.post(
    '/api/admin/scheduling/visit-types',
    {
      config: { access: { roles: VISIT_RULES_ROLES } },
      schema: {
        tags: ['scheduling'],
        summary: 'Adds a visit type with its booking rules',
        body: NewBody,
        response: { 201: VisitTypeView, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body as NewVisitType;
      await mustAdminister(db, req, body.clinicId, { attempted: 'create' });
      const id = await createVisitType(db, auditSource(req), body);
      reply.code(201);
      return view(db, body.clinicId, id);
    },
  );

  app.put(
    '/api/admin/scheduling/visit-types/:id',
    {
      config: { access: { roles: VISIT_RULES_ROLES } },
      schema: {
        tags: ['scheduling'],
        summary:
          'Changes a visit type: names, rules, providers, offered or not. Appointments already made stay as they are.',
        params: Type.Object({ id: Uuid }, { additionalProperties: false }),
        body: ChangeBody,
        response: { 200: VisitTypeView, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const clinicId = await visitTypeClinic(db, id);
      if (!clinicId) throw notFound();
      await mustAdminister(db, req, clinicId, { attempted: 'update', resourceId: id });
      await updateVisitType(db, auditSource(req), id, req.body as VisitTypeChange);
      return view(db, clinicId, id);
    },
  );
};

const notFound = () => new ApiError(404, 'not_found', 'That visit type or clinic was not found.');

const mustAdminister = (
  db: Kysely<Schema>,
  req: FastifyRequest,
  clinicId: string,
  what: { attempted: 'query' | 'create' | 'update'; resourceId?: string },
) =>
  requireOwnClinic(db, req, clinicId, {
    roles: VISIT_RULES_ROLES,
    resourceType: 'VisitType',
    ...what,
    notFound,
  });

async function view(db: Kysely<Schema>, clinicId: string, id: string) {
  const [options] = await clinicOptions(db, { clinicIds: [clinicId] }, true);
  const found = options?.visitTypes.find((v) => v.id === id);
  if (!found) throw notFound();
  return found;
}
