// The discrepancy desk API: list discrepancies by clinic, type and status,
// and resolve one (take the EHR's version, push the portal's, or dismiss
// with a note). Listing and every resolution are audited.
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import {
  deskAccess,
  deskClinics,
  inDesk,
  listedClinics,
  refuseOutsideDesk,
} from '../outbox/desk.ts';
import { nudgeOutbox } from '../outbox/outbox.ts';
import { DiscrepancyView, discrepancyView, listDiscrepancies, PAGE_SIZE } from './desk.ts';
import { installEhrDeskGauges } from './metrics.ts';
import { lockOpen, RESOLVE_ACTIONS, resolveDiscrepancy } from './resolve.ts';
import { DISCREPANCY_STATUSES, DISCREPANCY_TYPES } from './tables.ts';

const Errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export const discrepancyRoutes: ModuleRoutes = async (app, { db, jobs, config }) => {
  installEhrDeskGauges(app, db);

  app.get(
    '/api/admin/discrepancies',
    {
      config: { access: deskAccess },
      schema: {
        tags: ['ehr'],
        summary: 'Differences between the portal and the EHR, with both versions',
        querystring: Type.Object(
          {
            clinicId: Type.Optional(Type.String({ format: 'uuid' })),
            type: Type.Optional(Type.Enum(DISCREPANCY_TYPES)),
            status: Type.Enum(DISCREPANCY_STATUSES, { default: 'open' }),
            page: Type.Integer({ minimum: 1, maximum: 100_000, default: 1 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(DiscrepancyView),
            total: Type.Integer(),
            page: Type.Integer(),
            pageSize: Type.Integer(),
          }),
          ...Errors,
        },
      },
    },
    async (req) => {
      const { clinicId, type, status, page } = req.query;
      const clinics = await listedClinics(db, req, { resourceType: 'Discrepancy', clinicId });
      return db.transaction().execute(async (trx) => {
        const found = await listDiscrepancies(trx, { clinics, type, status }, page);
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: 'Discrepancy',
          clinicId: clinicId ?? null,
          details: { type: type ?? null, status, page, resultCount: found.total },
        });
        return { ...found, page, pageSize: PAGE_SIZE };
      });
    },
  );

  app.post(
    '/api/admin/discrepancies/:id/resolve',
    {
      config: { access: deskAccess },
      schema: {
        tags: ['ehr'],
        summary: "Take the EHR's version, push the portal's, or dismiss with a note",
        params: Type.Object(
          { id: Type.String({ format: 'uuid' }) },
          { additionalProperties: false },
        ),
        body: Type.Object(
          {
            action: Type.Enum(RESOLVE_ACTIONS),
            note: Type.Optional(Type.String({ maxLength: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: DiscrepancyView, ...Errors },
      },
    },
    async (req) => {
      const { id } = req.params;
      const found = await db
        .selectFrom('discrepancies')
        .select(['clinic_id', 'patient_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!found || !inDesk(deskClinics(req), found.clinic_id))
        return refuseOutsideDesk(db, req, {
          resourceType: 'Discrepancy',
          resourceId: id,
          patientId: found?.patient_id,
        });
      const { outboxId } = await db.transaction().execute(async (trx) => {
        const open = await lockOpen(trx, id);
        return resolveDiscrepancy(
          trx,
          open,
          { ...req.body, userId: (req.auth as Auth).user.id },
          auditSource(req),
          { publicUrl: config.publicUrl },
        );
      });
      if (outboxId) nudgeOutbox(jobs);
      return discrepancyView(db, id);
    },
  );
};
