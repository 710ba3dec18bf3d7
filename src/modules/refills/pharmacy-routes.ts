// The pharmacy directory admin API: a clinic admin lists, adds and changes
// the pharmacies their patients may send refills to; a system admin does so
// for any clinic. A pharmacy is never deleted (past requests name it): it is
// made inactive, and then no longer offered to patients. Another clinic is
// answered like a missing one, audited.
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
import { PharmacyEntry, Uuid } from './model.ts';

type Db = Kysely<Schema>;

export const PHARMACY_ROLES: readonly Role[] = ['clinic_admin', 'system_admin'];

const access = { access: { roles: PHARMACY_ROLES } };
const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

// The table's own limits (migration 0011); a value must hold more than spaces.
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const fields = {
  name: Text(200),
  address: Text(300),
  phone: Type.String({
    minLength: 3,
    maxLength: 40,
    pattern: '^[+(]?[0-9][0-9 ().-]{1,38}$',
    description: 'digits, spaces and + ( ) . -, e.g. +1-518-555-0161',
  }),
  ncpdpId: Type.Union([Type.String({ pattern: '^[0-9]{7}$' }), Type.Null()], {
    description: "the pharmacy's 7-digit NCPDP id",
  }),
};

const ClinicParams = Type.Object({ clinicId: Uuid }, { additionalProperties: false });
const PharmacyParams = Type.Object({ clinicId: Uuid, id: Uuid }, { additionalProperties: false });
const NewBody = Type.Object(
  {
    name: fields.name,
    address: fields.address,
    phone: fields.phone,
    ncpdpId: Type.Optional(fields.ncpdpId),
  },
  { additionalProperties: false },
);
const ChangeBody = Type.Object(
  {
    name: Type.Optional(fields.name),
    address: Type.Optional(fields.address),
    phone: Type.Optional(fields.phone),
    ncpdpId: Type.Optional(fields.ncpdpId),
    active: Type.Optional(Type.Boolean({ description: 'false: no longer offered to patients' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
interface Change {
  name?: string;
  address?: string;
  phone?: string;
  ncpdpId?: string | null;
  active?: boolean;
}

const notFound = () =>
  new ApiError(404, 'not_found', 'That pharmacy or clinic was not found among yours.');

/** Only the clinics the admin keeps; another clinic is refused like a missing one, audited. */
const mustAdminister = (
  db: Db,
  req: FastifyRequest,
  clinicId: string,
  attempted: 'query' | 'create' | 'update',
  resourceId?: string,
) =>
  requireOwnClinic(db, req, clinicId, {
    roles: PHARMACY_ROLES,
    resourceType: 'Pharmacy',
    resourceId,
    attempted,
    notFound,
  });

export const pharmacyRoutes: ModuleRoutes = async (app, { db }) => {
  app.get(
    '/api/admin/pharmacies/:clinicId',
    {
      config: access,
      schema: {
        tags: ['refills'],
        summary: "A clinic's pharmacy directory, inactive pharmacies too",
        params: ClinicParams,
        response: {
          200: Type.Object({ clinicId: Uuid, pharmacies: Type.Array(PharmacyEntry) }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { clinicId } = req.params as { clinicId: string };
      await mustAdminister(db, req, clinicId, 'query');
      return db.transaction().execute(async (trx) => {
        const rows = await selectPharmacies(trx, clinicId).orderBy('name').orderBy('id').execute();
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: 'Pharmacy',
          clinicId,
          details: { count: rows.length },
        });
        return { clinicId, pharmacies: rows.map(entry) };
      });
    },
  );

  app.post(
    '/api/admin/pharmacies/:clinicId',
    {
      config: access,
      schema: {
        tags: ['refills'],
        summary: "Adds a pharmacy to a clinic's directory, offered to patients at once",
        params: ClinicParams,
        body: NewBody,
        response: { 201: PharmacyEntry, ...errors },
      },
    },
    async (req, reply) => {
      const { clinicId } = req.params as { clinicId: string };
      const body = trimmed(req.body as Change) as Required<Omit<Change, 'active'>>;
      await mustAdminister(db, req, clinicId, 'create');
      const row = await db.transaction().execute(async (trx) => {
        await ncpdpFree(trx, clinicId, body.ncpdpId ?? null, null);
        const { id } = await trx
          .insertInto('pharmacies')
          .values({
            clinic_id: clinicId,
            name: body.name,
            address: body.address,
            phone: body.phone,
            ncpdp_id: body.ncpdpId ?? null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await audit(trx, auditSource(req), {
          action: 'create',
          resourceType: 'Pharmacy',
          resourceId: id,
          clinicId,
        });
        return selectPharmacies(trx, clinicId).where('id', '=', id).executeTakeFirstOrThrow();
      });
      reply.code(201);
      return entry(row);
    },
  );

  app.patch(
    '/api/admin/pharmacies/:clinicId/:id',
    {
      config: access,
      schema: {
        tags: ['refills'],
        summary:
          'Changes a pharmacy, or stops or resumes offering it; requests already made keep it',
        params: PharmacyParams,
        body: ChangeBody,
        response: { 200: PharmacyEntry, ...errors },
      },
    },
    async (req) => {
      const { clinicId, id } = req.params as { clinicId: string; id: string };
      const change = trimmed(req.body as Change);
      await mustAdminister(db, req, clinicId, 'update', id);
      const row = await db.transaction().execute(async (trx) => {
        const found = await trx
          .selectFrom('pharmacies')
          .select('id')
          .where('id', '=', id)
          .where('clinic_id', '=', clinicId)
          .forUpdate()
          .executeTakeFirst();
        if (!found) throw notFound();
        if (change.ncpdpId) await ncpdpFree(trx, clinicId, change.ncpdpId, id);
        await trx
          .updateTable('pharmacies')
          .set({
            name: change.name,
            address: change.address,
            phone: change.phone,
            ncpdp_id: change.ncpdpId,
            active: change.active,
          })
          .where('id', '=', id)
          .execute();
        await audit(trx, auditSource(req), {
          action: 'update',
          resourceType: 'Pharmacy',
          resourceId: id,
          clinicId,
          // Which fields changed, never their values.
          details: { fields: Object.keys(change).sort(), active: change.active },
        });
        return selectPharmacies(trx, clinicId).where('id', '=', id).executeTakeFirstOrThrow();
      });
      return entry(row);
    },
  );
};

const selectPharmacies = (db: Db, clinicId: string) =>
  db
    .selectFrom('pharmacies')
    .select(['id', 'clinic_id', 'name', 'address', 'phone', 'ncpdp_id', 'active'])
    .where('clinic_id', '=', clinicId);

type Row = Awaited<ReturnType<ReturnType<typeof selectPharmacies>['executeTakeFirstOrThrow']>>;

const entry = (r: Row): PharmacyEntry => ({
  id: r.id,
  clinicId: r.clinic_id,
  name: r.name,
  address: r.address,
  phone: r.phone,
  ncpdpId: r.ncpdp_id,
  active: r.active,
});

/** Text fields without the spaces around them (the schema already refused blank ones). */
function trimmed(change: Change): Change {
  const out: Change = { ...change };
  for (const key of ['name', 'address', 'phone'] as const) {
    const value = out[key];
    if (value !== undefined) out[key] = value.trim();
  }
  return out;
}

/** One entry per NCPDP id in a clinic's directory, so patients never see a pharmacy twice. */
async function ncpdpFree(trx: Db, clinicId: string, ncpdpId: string | null, self: string | null) {
  if (ncpdpId === null) return;
  let query = trx
    .selectFrom('pharmacies')
    .select('id')
    .where('clinic_id', '=', clinicId)
    .where('ncpdp_id', '=', ncpdpId);
  if (self) query = query.where('id', '<>', self);
  if (!(await query.executeTakeFirst())) return;
  throw new ApiError(
    409,
    'duplicate_ncpdp',
    'ncpdpId: another pharmacy in this directory has that NCPDP id; change that one instead.',
    [{ field: 'ncpdpId', message: 'belongs to another pharmacy in this directory' }],
  );
}
