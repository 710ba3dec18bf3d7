// The refill rules admin API: a clinic admin reads and replaces their
// clinic's rules and the nurse protocol's medications; a system admin does
// so for any clinic. Another clinic is answered like a missing one, audited.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { requireOwnClinic } from '../../platform/auth/scope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import type { Role } from '../accounts/tables.ts';
import { clinicRefillRules } from './clinic-rules.ts';
import { controlledSchedule } from './controlled.ts';
import { Note, RefillRulesView, Uuid } from './model.ts';

type Db = Kysely<Schema>;

export const REFILL_RULES_ROLES: readonly Role[] = ['clinic_admin', 'system_admin'];

const access = { access: { roles: REFILL_RULES_ROLES } };
const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const Params = Type.Object({ clinicId: Uuid }, { additionalProperties: false });
/** The view without its clinic (the path names it), closed to unknown fields. */
const RulesBody = Type.Object(
  {
    earlyDays: RefillRulesView.properties.earlyDays,
    controlledOnline: RefillRulesView.properties.controlledOnline,
    targetBusinessDays: RefillRulesView.properties.targetBusinessDays,
    protocols: Type.Array(
      Type.Object(
        {
          rxnormCode: Type.String({ pattern: '^[0-9]{1,12}$' }),
          name: Note(200),
        },
        { additionalProperties: false },
      ),
      { maxItems: 200 },
    ),
  },
  { additionalProperties: false },
);
type RulesBody = Omit<RefillRulesView, 'clinicId'>;

const notFound = () => new ApiError(404, 'not_found', 'That clinic was not found among yours.');

const mustAdminister = (
  db: Db,
  req: FastifyRequest,
  clinicId: string,
  attempted: 'view' | 'update',
) =>
  requireOwnClinic(db, req, clinicId, {
    roles: REFILL_RULES_ROLES,
    resourceType: 'RefillRules',
    resourceId: clinicId,
    attempted,
    notFound,
  });

export const refillRulesRoutes: ModuleRoutes = async (app, { db }) => {
  app.get(
    '/api/admin/refill-rules/:clinicId',
    {
      config: access,
      schema: {
        tags: ['refills'],
        summary: "A clinic's refill rules and the medications its nurses may approve",
        params: Params,
        response: { 200: RefillRulesView, ...errors },
      },
    },
    async (req) => {
      const { clinicId } = req.params as { clinicId: string };
      await mustAdminister(db, req, clinicId, 'view');
      return db.transaction().execute(async (trx) => {
        await audited(trx, req, clinicId, 'view');
        return rulesView(trx, clinicId);
      });
    },
  );

  app.put(
    '/api/admin/refill-rules/:clinicId',
    {
      config: access,
      schema: {
        tags: ['refills'],
        summary: "Replaces a clinic's refill rules and nurse protocol, both at once",
        params: Params,
        body: RulesBody,
        response: { 200: RefillRulesView, ...errors },
      },
    },
    async (req) => {
      const { clinicId } = req.params as { clinicId: string };
      const body = req.body as RulesBody;
      mustBeValidProtocols(body.protocols);
      await mustAdminister(db, req, clinicId, 'update');
      return db.transaction().execute(async (trx) => {
        await replaceRules(trx, clinicId, body);
        await audited(trx, req, clinicId, 'update', { protocols: body.protocols.length });
        return rulesView(trx, clinicId);
      });
    },
  );
};

/**
 * 400 naming the first protocol entry that cannot stand: one listed twice, or
 * a controlled drug (the DEA holds its prescriber to it, whatever a protocol says).
 */
function mustBeValidProtocols(protocols: RulesBody['protocols']) {
  const codes = protocols.map((p) => p.rxnormCode);
  const problems = protocols.flatMap((p, at) => {
    if (codes.indexOf(p.rxnormCode) !== at)
      return [{ at, message: 'names a medication already listed' }];
    if (controlledSchedule(p) !== null)
      return [{ at, message: 'is a controlled substance: only a provider may approve it' }];
    return [];
  });
  const [first] = problems;
  if (!first) return;
  throw new ApiError(
    400,
    'validation_failed',
    `protocols.${first.at}.rxnormCode: ${first.message}`,
    problems.map((p) => ({ field: `protocols.${p.at}.rxnormCode`, message: p.message })),
  );
}

async function replaceRules(trx: Db, clinicId: string, body: RulesBody) {
  const values = {
    early_days: body.earlyDays,
    controlled_online: body.controlledOnline,
    target_business_days: body.targetBusinessDays,
    updated_at: new Date(),
  };
  await trx
    .insertInto('refill_rules')
    .values({ clinic_id: clinicId, ...values })
    .onConflict((oc) => oc.column('clinic_id').doUpdateSet(values))
    .execute();
  await trx.deleteFrom('refill_protocols').where('clinic_id', '=', clinicId).execute();
  if (body.protocols.length)
    await trx
      .insertInto('refill_protocols')
      .values(
        body.protocols.map((p) => ({
          clinic_id: clinicId,
          rxnorm_code: p.rxnormCode,
          name: p.name.trim(),
        })),
      )
      .execute();
}

async function rulesView(db: Db, clinicId: string): Promise<RefillRulesView> {
  const rules = await clinicRefillRules(db, clinicId);
  const protocols = await db
    .selectFrom('refill_protocols')
    .select(['rxnorm_code', 'name'])
    .where('clinic_id', '=', clinicId)
    .orderBy('name')
    .orderBy('rxnorm_code')
    .execute();
  return {
    clinicId,
    earlyDays: rules.earlyDays,
    controlledOnline: rules.controlledOnline,
    targetBusinessDays: rules.targetBusinessDays,
    protocols: protocols.map((p) => ({ rxnormCode: p.rxnorm_code, name: p.name })),
  };
}

const audited = (
  trx: Db,
  req: FastifyRequest,
  clinicId: string,
  action: 'view' | 'update',
  details?: Record<string, unknown>,
) =>
  audit(trx, auditSource(req), {
    action,
    resourceType: 'RefillRules',
    resourceId: clinicId,
    clinicId,
    details,
  });
