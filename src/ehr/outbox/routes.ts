// The outbox desk API: list what is on its way to the EHR, retry or discard
// a row. Retrying and discarding are audited with the row's patient and
// clinic; the discard note stays in the row (free text is kept out of the
// audit details).
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { isUuid } from '../../platform/auth/scope.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { discardRow, findOutboxRow, listOutbox, OutboxRow, PAGE_SIZE, retryRow } from './admin.ts';
import { deskAccess, deskClinics, inDesk, listedClinics, refuseOutsideDesk } from './desk.ts';
import { nudgeOutbox } from './outbox.ts';
import { OUTBOX_STATUSES } from './tables.ts';

const Id = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
const Errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export const outboxRoutes: ModuleRoutes = async (app, { db, jobs }) => {
  app.get(
    '/api/admin/outbox',
    {
      config: { access: deskAccess },
      schema: {
        tags: ['ehr'],
        summary: 'Changes on their way to the EHR: pending, failing, dead, confirmed',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Enum(OUTBOX_STATUSES)),
            clinicId: Type.Optional(Type.String({ format: 'uuid' })),
            page: Type.Integer({ minimum: 1, maximum: 100_000, default: 1 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(OutboxRow),
            total: Type.Integer(),
            page: Type.Integer(),
            pageSize: Type.Integer(),
            counts: Type.Record(Type.String(), Type.Integer()),
          }),
          ...Errors,
        },
      },
    },
    async (req) => {
      const { status, clinicId, page } = req.query;
      const clinics = await listedClinics(db, req, { resourceType: 'EhrOutbox', clinicId });
      return db.transaction().execute(async (trx) => {
        const found = await listOutbox(trx, clinics, { status, page });
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: 'EhrOutbox',
          clinicId: clinicId ?? null,
          details: { status: status ?? null, page, resultCount: found.total },
        });
        return { ...found, page, pageSize: PAGE_SIZE };
      });
    },
  );

  /** The row, when this person's desk covers its clinic; else an audited 404. */
  const deskRow = async (req: FastifyRequest, id: string) => {
    const row = isUuid(id) ? await findOutboxRow(db, id) : undefined;
    if (!row || !inDesk(deskClinics(req), row.clinic_id))
      return refuseOutsideDesk(db, req, {
        resourceType: 'EhrOutbox',
        resourceId: id,
        patientId: row?.patient_id,
      });
    return row;
  };

  app.post(
    '/api/admin/outbox/:id/retry',
    {
      config: { access: deskAccess },
      schema: {
        tags: ['ehr'],
        summary: 'Send a pending, failing or dead change again now',
        params: Id,
        response: { 200: Type.Object({ id: Type.String(), status: Type.String() }), ...Errors },
      },
    },
    async (req) => {
      const row = await deskRow(req, req.params.id);
      await db.transaction().execute(async (trx) => {
        await retryRow(trx, row, (req.auth as Auth).user.id);
        await audit(trx, auditSource(req), {
          action: 'update',
          resourceType: 'EhrOutbox',
          resourceId: row.id,
          patientId: row.patient_id,
          clinicId: row.clinic_id,
          details: { operation: 'retry', kind: row.kind, previousStatus: row.status },
        });
      });
      nudgeOutbox(jobs);
      return { id: row.id, status: 'pending' };
    },
  );

  app.post(
    '/api/admin/outbox/:id/discard',
    {
      config: { access: deskAccess },
      schema: {
        tags: ['ehr'],
        summary: 'Give up a change the EHR should not get; say why',
        params: Id,
        body: Type.Object(
          { note: Type.String({ minLength: 1, maxLength: 1000, pattern: '\\S' }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ id: Type.String(), status: Type.String() }), ...Errors },
      },
    },
    async (req) => {
      const row = await deskRow(req, req.params.id);
      await db.transaction().execute(async (trx) => {
        await discardRow(trx, row, (req.auth as Auth).user.id, req.body.note.trim());
        await audit(trx, auditSource(req), {
          action: 'update',
          resourceType: 'EhrOutbox',
          resourceId: row.id,
          patientId: row.patient_id,
          clinicId: row.clinic_id,
          details: { operation: 'discard', kind: row.kind, previousStatus: row.status },
        });
      });
      return { id: row.id, status: 'discarded' };
    },
  );
};
