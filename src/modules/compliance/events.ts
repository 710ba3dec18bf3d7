// Audit events as a compliance officer searches them: filtered by patient,
// user, action, outcome and date range, sorted by any column, with the
// names of the actor, the patient and the clinic beside the ids. An officer
// of some clinics sees only those clinics' events.
import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import { type Static, Type } from 'typebox';
import { AUDIT_ACTIONS } from '../../platform/audit/tables.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { Nullable } from '../patients/model.ts';

type Db = Kysely<Schema>;

export const SORT_KEYS = [
  'occurredAt',
  'actor',
  'action',
  'resourceType',
  'patient',
  'clinic',
  'outcome',
  'ip',
] as const;
export type Sort = (typeof SORT_KEYS)[number];

/** The actor as named when the event was written (older rows: as named now). */
const actorName = sql<string | null>`coalesce(e.actor_name, u.display_name)`;

/** The columns behind each sort key, most significant first. */
export const SORTS: Record<Sort, readonly (string | Expression<unknown>)[]> = {
  occurredAt: ['e.occurred_at'],
  actor: [actorName, 'u.email'],
  action: ['e.action'],
  resourceType: ['e.resource_type'],
  patient: ['p.family_name', 'p.given_name'],
  clinic: ['c.name'],
  outcome: ['e.outcome'],
  ip: ['e.ip'],
};

const Uuid = Type.String({ format: 'uuid' });
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD, UTC' });

export const EventFilters = Type.Object(
  {
    patientId: Type.Optional(Uuid),
    userId: Type.Optional(Uuid),
    action: Type.Optional(Type.Enum(AUDIT_ACTIONS)),
    outcome: Type.Optional(Type.Enum(['success', 'failure'])),
    from: Type.Optional(Day),
    to: Type.Optional({ ...Day, description: 'YYYY-MM-DD, UTC, inclusive' }),
    sort: Type.Enum(SORT_KEYS, { default: 'occurredAt' }),
    order: Type.Enum(['asc', 'desc'], { default: 'desc' }),
  },
  { additionalProperties: false },
);
export type EventFilters = Static<typeof EventFilters>;

const Text = Nullable(Type.String());

export const AuditEventRow = Type.Object({
  id: Type.Integer(),
  occurredAt: Type.String({ format: 'date-time' }),
  actor: Type.Object({ userId: Text, name: Text, email: Text, role: Text }),
  actingFor: Type.Object({ patientId: Text, name: Text }),
  action: Type.String(),
  resourceType: Text,
  resourceId: Text,
  patient: Type.Object({ id: Text, name: Text }),
  clinic: Type.Object({ id: Text, name: Text }),
  outcome: Type.String(),
  ip: Text,
  userAgent: Text,
  requestId: Text,
  details: Type.Unknown(),
});
export type AuditEventRow = Static<typeof AuditEventRow>;

const dayAfter = (day: string) => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d;
};

const fullName = (alias: 'p' | 'f') =>
  sql<
    string | null
  >`${sql.ref(`${alias}.given_name`)} || ' ' || ${sql.ref(`${alias}.family_name`)}`;

/** The clinics whose events the officer reads: 'all' for a group-wide grant. */
export type EventScope = string[] | 'all';

type Eb = ExpressionBuilder<Schema & { e: Schema['audit_events'] }, 'e'>;

/**
 * An event belongs to a clinic when it names the clinic, concerns a patient
 * registered there (or acting for one), or was made by someone on its staff.
 */
function inScope(eb: Eb, clinics: string[]): Expression<SqlBool> {
  if (clinics.length === 0) return sql<SqlBool>`false`;
  const registered = (column: 'e.patient_id' | 'e.acting_for_patient_id') =>
    eb.exists(
      eb
        .selectFrom('patient_clinics as pc')
        .select('pc.patient_id')
        .whereRef('pc.patient_id', '=', column)
        .where('pc.clinic_id', 'in', clinics),
    );
  return eb.or([
    eb('e.clinic_id', 'in', clinics),
    registered('e.patient_id'),
    registered('e.acting_for_patient_id'),
    eb.exists(
      eb
        .selectFrom('user_roles as r')
        .select('r.user_id')
        .whereRef('r.user_id', '=', 'e.actor_user_id')
        .where('r.clinic_id', 'in', clinics),
    ),
  ]);
}

function registeredIn(column: 'p.id' | 'f.id', scope: EventScope) {
  if (scope === 'all') return sql<SqlBool>`true`;
  if (scope.length === 0) return sql<SqlBool>`false`;
  return sql<SqlBool>`exists (select 1 from patient_clinics pr
    where pr.patient_id = ${sql.ref(column)} and pr.clinic_id in (${sql.join(scope)}))`;
}

function filtered(db: Db, f: EventFilters, scope: EventScope) {
  return (
    db
      .selectFrom('audit_events as e')
      .leftJoin('users as u', 'u.id', 'e.actor_user_id')
      // Names of patients outside the officer's clinics stay out (their ids show):
      // an officer sees that their staff tried someone else's record, not whose.
      .leftJoin('patients as p', (join) =>
        join.onRef('p.id', '=', 'e.patient_id').on(registeredIn('p.id', scope)),
      )
      .leftJoin('patients as f', (join) =>
        join.onRef('f.id', '=', 'e.acting_for_patient_id').on(registeredIn('f.id', scope)),
      )
      .leftJoin('clinics as c', 'c.id', 'e.clinic_id')
      .$if(scope !== 'all', (q) => q.where((eb) => inScope(eb as Eb, scope as string[])))
      .$if(!!f.patientId, (q) => q.where('e.patient_id', '=', f.patientId as string))
      .$if(!!f.userId, (q) => q.where('e.actor_user_id', '=', f.userId as string))
      .$if(!!f.action, (q) => q.where('e.action', '=', f.action as NonNullable<typeof f.action>))
      .$if(!!f.outcome, (q) => q.where('e.outcome', '=', f.outcome as 'success' | 'failure'))
      .$if(!!f.from, (q) => q.where('e.occurred_at', '>=', new Date(`${f.from}T00:00:00Z`)))
      .$if(!!f.to, (q) => q.where('e.occurred_at', '<', dayAfter(f.to as string)))
  );
}

export async function countEvents(db: Db, f: EventFilters, scope: EventScope): Promise<number> {
  const row = await filtered(db, f, scope)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One page of events, or every matching event when `limit` is omitted. */
export async function findEvents(
  db: Db,
  f: EventFilters,
  scope: EventScope,
  page?: { limit: number; offset: number },
): Promise<AuditEventRow[]> {
  let q = filtered(db, f, scope).select([
    'e.id',
    'e.occurred_at',
    'e.actor_user_id',
    actorName.as('actor_name'),
    'u.email as actor_email',
    'e.actor_role',
    'e.acting_for_patient_id',
    fullName('f').as('acting_for_name'),
    'e.action',
    'e.resource_type',
    'e.resource_id',
    'e.patient_id',
    fullName('p').as('patient_name'),
    'e.clinic_id',
    'c.name as clinic_name',
    'e.outcome',
    'e.ip',
    'e.user_agent',
    'e.request_id',
    'e.details',
  ]);
  for (const column of SORTS[f.sort])
    q = q.orderBy(typeof column === 'string' ? sql.ref(column) : column, (ob) => {
      const o = f.order === 'asc' ? ob.asc() : ob.desc();
      return f.order === 'asc' ? o.nullsFirst() : o.nullsLast();
    });
  q = q.orderBy('e.id', f.order);
  if (page) q = q.limit(page.limit).offset(page.offset);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    occurredAt: r.occurred_at.toISOString(),
    actor: {
      userId: r.actor_user_id,
      name: r.actor_name,
      email: r.actor_email,
      role: r.actor_role,
    },
    actingFor: { patientId: r.acting_for_patient_id, name: r.acting_for_name },
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    patient: { id: r.patient_id, name: r.patient_name },
    clinic: { id: r.clinic_id, name: r.clinic_name },
    outcome: r.outcome,
    ip: r.ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    details: r.details ?? null,
  }));
}
