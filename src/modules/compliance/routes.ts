// Compliance officers search the audit trail and export it as CSV, within
// the clinics of their role (all of them for a group-wide grant). Both are
// audited themselves: who looked at whose trail, and what left the system.
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { staffClinicIds } from '../../platform/auth/scope.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { eventsCsv } from './csv.ts';
import { AuditEventRow, countEvents, EventFilters, type EventScope, findEvents } from './events.ts';

const access = { roles: ['compliance_officer'] } as const;
/** An export beyond this is too big to open; narrowing the dates is the fix. */
export const MAX_EXPORT_ROWS = 50_000;

const SearchQuery = Type.Object(
  {
    ...EventFilters.properties,
    page: Type.Integer({ minimum: 1, maximum: 100_000, default: 1 }),
    pageSize: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

/** What was asked, for the audit row: ids and names of filters, never search text. */
const asked = (f: EventFilters, scope: EventScope) => ({
  patientId: f.patientId,
  userId: f.userId,
  action: f.action,
  outcome: f.outcome,
  from: f.from,
  to: f.to,
  clinics: scope,
});

const scopeOf = (req: FastifyRequest) => staffClinicIds(req.auth as Auth, ['compliance_officer']);

export const complianceRoutes: ModuleRoutes = async (app, { db }) => {
  app.get(
    '/api/audit/events',
    {
      config: { access },
      schema: {
        tags: ['compliance'],
        summary: 'Search audit events; sort by any column',
        querystring: SearchQuery,
        response: {
          200: Type.Object({
            events: Type.Array(AuditEventRow),
            total: Type.Integer(),
            page: Type.Integer(),
            pageSize: Type.Integer(),
          }),
          400: ErrorResponse,
          403: ErrorResponse,
        },
      },
    },
    async (req) => {
      const { page, pageSize, ...filters } = req.query;
      const scope = scopeOf(req);
      return db.transaction().execute(async (trx) => {
        const total = await countEvents(trx, filters, scope);
        const events = await findEvents(trx, filters, scope, {
          limit: pageSize,
          offset: (page - 1) * pageSize,
        });
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: 'AuditEvent',
          patientId: filters.patientId ?? null,
          details: { filters: asked(filters, scope), resultCount: total },
        });
        return { events, total, page, pageSize };
      });
    },
  );

  app.get(
    '/api/audit/events.csv',
    {
      config: { access },
      schema: {
        tags: ['compliance'],
        summary: 'The same search as a CSV download (every matching event)',
        querystring: EventFilters,
        produces: ['text/csv'],
        response: { 200: Type.String(), 400: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (req, reply) => {
      const filters = req.query;
      const scope = scopeOf(req);
      const csv = await db.transaction().execute(async (trx) => {
        const total = await countEvents(trx, filters, scope);
        if (total > MAX_EXPORT_ROWS)
          throw new ApiError(
            400,
            'export_too_large',
            `The export would hold ${total} events; narrow the dates or filters to at most ${MAX_EXPORT_ROWS}.`,
          );
        const events = await findEvents(trx, filters, scope);
        await audit(trx, auditSource(req), {
          action: 'export',
          resourceType: 'AuditEvent',
          patientId: filters.patientId ?? null,
          details: { filters: asked(filters, scope), rowCount: events.length, format: 'csv' },
        });
        return eventsCsv(events);
      });
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-events-${day}.csv"`)
        .send(csv);
    },
  );
};
