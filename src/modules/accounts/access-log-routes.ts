// "Who looked at my record": the audit trail's events on the patient made by
// clinic staff, with the staff member's name, role and clinic. Name and role
// are as the event recorded them, not as the account reads today: renaming
// an account or leaving a role rewrites no one's history. Reading it is
// itself audited.
import { type Kysely, sql } from 'kysely';
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { AUDIT_ACTIONS, type AuditAction } from '../../platform/audit/tables.ts';
import { auditSource, currentPatientId } from '../../platform/auth/context.ts';
import { requirePatient } from '../../platform/auth/scope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { type Role, STAFF_ROLES } from './tables.ts';

export const ACCESS_LOG_PAGE_SIZE = 20;

const Entry = Type.Object({
  at: Type.String({ format: 'date-time' }),
  staffName: Type.String(),
  roles: Type.Array(Type.String(), { description: 'staff roles held at the time' }),
  clinic: Type.Union([Type.String(), Type.Null()]),
  action: Type.Unsafe<AuditAction>(Type.String({ enum: [...AUDIT_ACTIONS] })),
  resourceType: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
});

export const accessLogRoutes: ModuleRoutes = async (app, { db }) => {
  app.get(
    '/api/account/access-log',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Who accessed the record of the patient I act for: staff, newest first',
        querystring: Type.Object(
          { page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            entries: Type.Array(Entry),
            page: Type.Integer(),
            pageSize: Type.Integer(),
            hasMore: Type.Boolean(),
          }),
          404: ErrorResponse,
        },
      },
    },
    async (req) => {
      const auth = req.auth as NonNullable<typeof req.auth>;
      const current = currentPatientId(auth);
      if (!current)
        throw new ApiError(404, 'no_patient_record', 'This account has no patient record.');
      // A proxy's grant may have ended since sign-in.
      const patientId = await requirePatient(db, req, current, { resourceType: 'AccessLog' });
      const page = req.query.page ?? 1;
      return db.transaction().execute(async (trx) => {
        const rows = await staffAccess(trx, patientId, page);
        await audit(trx, auditSource(req), {
          action: 'view',
          resourceType: 'AccessLog',
          patientId,
          details: { page },
        });
        return {
          entries: rows.slice(0, ACCESS_LOG_PAGE_SIZE).map(toEntry),
          page,
          pageSize: ACCESS_LOG_PAGE_SIZE,
          hasMore: rows.length > ACCESS_LOG_PAGE_SIZE,
        };
      });
    },
  );
};

/** Events whose actor held a staff role when the event was written. */
const byStaff = sql<boolean>`string_to_array(e.actor_role, ',') && array[${sql.join(STAFF_ROLES)}]::text[]`;

/** One page (and one row more, to tell if another page follows). */
function staffAccess(db: Kysely<Schema>, patientId: string, page: number) {
  return db
    .selectFrom('audit_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .leftJoin('clinics as c', 'c.id', 'e.clinic_id')
    .select([
      'e.id',
      'e.occurred_at',
      'e.action',
      'e.resource_type',
      'e.actor_role',
      'e.outcome',
      // Rows written before names were kept carry none: today's name then.
      sql<string>`coalesce(e.actor_name, u.display_name, '')`.as('display_name'),
      // Without a clinic on the event, name the clinic where this staff
      // member and the patient meet.
      sql<string | null>`coalesce(c.name, (
        select min(cl.name) from user_roles ur
        join patient_clinics pc on pc.clinic_id = ur.clinic_id and pc.patient_id = e.patient_id
        join clinics cl on cl.id = ur.clinic_id
        where ur.user_id = e.actor_user_id))`.as('clinic_name'),
    ])
    .where('e.patient_id', '=', patientId)
    .where(byStaff)
    .orderBy('e.occurred_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(ACCESS_LOG_PAGE_SIZE + 1)
    .offset((page - 1) * ACCESS_LOG_PAGE_SIZE)
    .execute();
}

function toEntry(row: Awaited<ReturnType<typeof staffAccess>>[number]) {
  return {
    at: row.occurred_at.toISOString(),
    staffName: row.display_name,
    roles: (row.actor_role ?? '').split(',').filter((r) => STAFF_ROLES.includes(r as Role)),
    clinic: row.clinic_name,
    action: row.action,
    resourceType: row.resource_type,
    outcome: row.outcome,
  };
}
