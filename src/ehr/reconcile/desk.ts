// Discrepancies as the desk sees them: both versions side by side, with the
// patient's name (staff need it to act), and where a pushed fix stands.
import { type Kysely, sql } from 'kysely';
import { type Static, Type } from 'typebox';
import type { Schema } from '../../platform/db/schema.ts';
import { OUTBOX_STATUSES } from '../outbox/tables.ts';
import {
  DISCREPANCY_STATUSES,
  DISCREPANCY_TYPES,
  type DiscrepancyStatus,
  type DiscrepancyType,
  RESOLUTIONS,
  SEVERITIES,
  SUGGESTED_ACTIONS,
} from './tables.ts';

type Db = Kysely<Schema>;

const Text = Type.Union([Type.String(), Type.Null()]);
const Time = Type.String({ format: 'date-time' });
const Fields = Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]);

export const DiscrepancyView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.Enum(DISCREPANCY_TYPES),
  severity: Type.Enum(SEVERITIES),
  status: Type.Enum(DISCREPANCY_STATUSES),
  /** With its time zone: appointment times in the versions are shown in it. */
  clinic: Type.Object({
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    timeZone: Type.String(),
  }),
  patient: Type.Union([
    Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() }),
    Type.Null(),
  ]),
  portalVersion: Fields,
  ehrVersion: Fields,
  ehrReference: Text,
  suggestedAction: Type.Enum(SUGGESTED_ACTIONS),
  resolution: Type.Union([Type.Enum(RESOLUTIONS), Type.Null()]),
  note: Text,
  resolvedBy: Text,
  resolvedAt: Type.Union([Time, Type.Null()]),
  /** For a pushed fix: where its outbox row stands. */
  pushStatus: Type.Union([Type.Enum(OUTBOX_STATUSES), Type.Null()]),
  firstSeen: Time,
  lastSeen: Time,
});
export type DiscrepancyView = Static<typeof DiscrepancyView>;

export const PAGE_SIZE = 25;

export interface DiscrepancyFilter {
  clinics: string[] | 'all';
  type?: DiscrepancyType;
  status?: DiscrepancyStatus;
}

function filtered(db: Db, f: DiscrepancyFilter) {
  return db
    .selectFrom('discrepancies as d')
    .innerJoin('clinics as c', 'c.id', 'd.clinic_id')
    .leftJoin('patients as p', 'p.id', 'd.patient_id')
    .leftJoin('users as u', 'u.id', 'd.resolved_by')
    .leftJoin('ehr_outbox as o', 'o.id', 'd.outbox_id')
    .$if(f.clinics !== 'all', (q) => q.where('d.clinic_id', 'in', f.clinics as string[]))
    .$if(!!f.type, (q) => q.where('d.type', '=', f.type as DiscrepancyType))
    .$if(!!f.status, (q) => q.where('d.status', '=', f.status as DiscrepancyStatus));
}

const columns = [
  'd.id',
  'd.type',
  'd.severity',
  'd.status',
  'd.clinic_id',
  'c.name as clinic_name',
  'c.time_zone as clinic_time_zone',
  'd.patient_id',
  sql<string | null>`p.given_name || ' ' || p.family_name`.as('patient_name'),
  'd.portal_version',
  'd.ehr_version',
  'd.ehr_reference',
  'd.suggested_action',
  'd.resolution',
  'd.note',
  'u.display_name as resolved_by_name',
  'd.resolved_at',
  'o.status as push_status',
  'd.first_seen',
  'd.last_seen',
] as const;

type Row = Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>;
const select = (db: Db, f: DiscrepancyFilter) => filtered(db, f).select([...columns]);

function view(r: Row): DiscrepancyView {
  return {
    id: r.id,
    type: r.type,
    severity: r.severity,
    status: r.status,
    clinic: { id: r.clinic_id, name: r.clinic_name, timeZone: r.clinic_time_zone },
    patient: r.patient_id ? { id: r.patient_id, name: r.patient_name ?? '' } : null,
    portalVersion: (r.portal_version as Record<string, unknown> | null) ?? null,
    ehrVersion: (r.ehr_version as Record<string, unknown> | null) ?? null,
    ehrReference: r.ehr_reference,
    suggestedAction: r.suggested_action,
    resolution: r.resolution,
    note: r.note,
    resolvedBy: r.resolved_by_name ?? null,
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    pushStatus: r.push_status ?? null,
    firstSeen: r.first_seen.toISOString(),
    lastSeen: r.last_seen.toISOString(),
  };
}

export async function listDiscrepancies(db: Db, f: DiscrepancyFilter, page: number) {
  if (f.clinics !== 'all' && f.clinics.length === 0) return { items: [], total: 0 };
  const { n } = await filtered(db, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await select(db, f)
    // Serious first, then what was seen most recently.
    .orderBy(sql`case d.severity when 'high' then 0 when 'medium' then 1 else 2 end`)
    .orderBy('d.last_seen', 'desc')
    .orderBy('d.id')
    .limit(PAGE_SIZE)
    .offset((page - 1) * PAGE_SIZE)
    .execute();
  return { items: rows.map(view), total: Number(n) };
}

export async function discrepancyView(db: Db, id: string): Promise<DiscrepancyView> {
  return view(
    await select(db, { clinics: 'all' }).where('d.id', '=', id).executeTakeFirstOrThrow(),
  );
}
