// Clinic admins keep their clinic's visit types and booking rules. A change
// applies from the next search, hold or booking: appointments already made
// stay as they are (nothing here touches the appointments table); a later
// change to one of them is judged by the rules as they are then, so a new
// cut-off counts for every change a patient makes from now on. Each create
// and update is audited with the rules before and after (no patient data).
import { type Kysely, sql } from 'kysely';
import { type AuditSource, audit } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import type { FieldProblem } from '../../platform/http/errors.ts';
import type { BookingMode, PatientKind, VisitMode } from './tables.ts';
import { windowIsOpen } from './visit-type-limits.ts';

type Db = Kysely<Schema>;

export interface VisitTypeRulesInput {
  nameEn: string;
  nameEs: string;
  booking: BookingMode;
  patients: PatientKind;
  mode: VisitMode;
  minLeadMinutes: number;
  maxDaysAhead: number;
  changeCutoffHours: number;
  maxFutureBookings: number;
  providerIds: string[];
}

export interface NewVisitType extends VisitTypeRulesInput {
  clinicId: string;
  code: string;
}

export interface VisitTypeChange extends VisitTypeRulesInput {
  active: boolean;
}

/** What the audit trail keeps of a visit type: its rules, never anything about patients. */
type Recorded = Omit<VisitTypeRulesInput, 'providerIds'> & {
  active: boolean;
  providerIds: string[];
};

const invalid = (problems: FieldProblem[]): ApiError => {
  const [first] = problems as [FieldProblem];
  return new ApiError(
    400,
    'validation_failed',
    `${first.field}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
    problems,
  );
};

/** Checks that span fields or need the database, after the schema has checked each field. */
async function checkRules(trx: Db, clinicId: string, r: VisitTypeRulesInput): Promise<void> {
  const problems: FieldProblem[] = [];
  if (!r.nameEn.trim()) problems.push({ field: 'nameEn', message: 'must not be blank' });
  if (!r.nameEs.trim()) problems.push({ field: 'nameEs', message: 'must not be blank' });
  if (!windowIsOpen(r))
    problems.push({
      field: 'maxDaysAhead',
      message: `must reach beyond the lead time (${r.minLeadMinutes} minutes), or no time can ever be booked`,
    });
  if (r.providerIds.length > 0) {
    const ours = await trx
      .selectFrom('providers')
      .select('id')
      .where('clinic_id', '=', clinicId)
      .where('id', 'in', r.providerIds)
      .execute();
    if (ours.length !== new Set(r.providerIds).size)
      problems.push({ field: 'providerIds', message: 'must all be providers of this clinic' });
  }
  if (problems.length > 0) throw invalid(problems);
}

const duplicateCode = () =>
  new ApiError(
    409,
    'duplicate_code',
    'This clinic already has a visit type with that code. Choose another code.',
    [{ field: 'code', message: 'is already used at this clinic' }],
  );

const isDuplicateCode = (err: unknown) => {
  const e = err as { code?: string; constraint?: string; message?: string };
  return (
    e.code === '23505' && `${e.constraint ?? e.message}`.includes('visit_types_clinic_id_code')
  );
};

const columns = (r: VisitTypeRulesInput) => ({
  name_en: r.nameEn.trim(),
  name_es: r.nameEs.trim(),
  booking: r.booking,
  patients: r.patients,
  mode: r.mode,
  min_lead_minutes: r.minLeadMinutes,
  max_days_ahead: r.maxDaysAhead,
  change_cutoff_hours: r.changeCutoffHours,
  max_future_bookings: r.maxFutureBookings,
});

const recorded = (r: VisitTypeRulesInput, active: boolean): Recorded => ({
  nameEn: r.nameEn.trim(),
  nameEs: r.nameEs.trim(),
  booking: r.booking,
  patients: r.patients,
  mode: r.mode,
  minLeadMinutes: r.minLeadMinutes,
  maxDaysAhead: r.maxDaysAhead,
  changeCutoffHours: r.changeCutoffHours,
  maxFutureBookings: r.maxFutureBookings,
  active,
  providerIds: [...new Set(r.providerIds)].sort(),
});

/** Adds a visit type to the admin's clinic; returns its id. */
export async function createVisitType(
  db: Db,
  source: AuditSource,
  v: NewVisitType,
): Promise<string> {
  try {
    return await db.transaction().execute(async (trx) => {
      await checkRules(trx, v.clinicId, v);
      const taken = await trx
        .selectFrom('visit_types')
        .select('id')
        .where('clinic_id', '=', v.clinicId)
        .where('code', '=', v.code)
        .executeTakeFirst();
      if (taken) throw duplicateCode();
      const { id } = await trx
        .insertInto('visit_types')
        .values({ clinic_id: v.clinicId, code: v.code, ...columns(v) })
        .returning('id')
        .executeTakeFirstOrThrow();
      await offeredBy(trx, id, v.providerIds);
      await audit(trx, source, {
        action: 'create',
        resourceType: 'VisitType',
        resourceId: id,
        clinicId: v.clinicId,
        details: { code: v.code, before: null, after: recorded(v, true) },
      });
      return id;
    });
  } catch (err) {
    if (isDuplicateCode(err)) throw duplicateCode();
    throw err;
  }
}

/** The visit type's clinic, or undefined when there is no such visit type. */
export async function visitTypeClinic(db: Db, id: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('visit_types')
    .select('clinic_id')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.clinic_id;
}

/** Changes a visit type's names, rules, providers and whether it is offered at all. */
export async function updateVisitType(
  db: Db,
  source: AuditSource,
  id: string,
  v: VisitTypeChange,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('visit_types')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    await checkRules(trx, row.clinic_id, v);
    const providers = await trx
      .selectFrom('visit_type_providers')
      .select('provider_id')
      .where('visit_type_id', '=', id)
      .execute();
    const before: Recorded = {
      nameEn: row.name_en,
      nameEs: row.name_es,
      booking: row.booking,
      patients: row.patients,
      mode: row.mode,
      minLeadMinutes: row.min_lead_minutes,
      maxDaysAhead: row.max_days_ahead,
      changeCutoffHours: row.change_cutoff_hours,
      maxFutureBookings: row.max_future_bookings,
      active: row.active,
      providerIds: providers.map((p) => p.provider_id).sort(),
    };
    await trx
      .updateTable('visit_types')
      .set({ ...columns(v), active: v.active, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .execute();
    await trx
      .deleteFrom('visit_type_providers')
      .where('visit_type_id', '=', id)
      .$if(v.providerIds.length > 0, (q) => q.where('provider_id', 'not in', v.providerIds))
      .execute();
    await offeredBy(trx, id, v.providerIds);
    await audit(trx, source, {
      action: 'update',
      resourceType: 'VisitType',
      resourceId: id,
      clinicId: row.clinic_id,
      details: { code: row.code, before, after: recorded(v, v.active) },
    });
  });
}

async function offeredBy(trx: Db, visitTypeId: string, providerIds: string[]): Promise<void> {
  if (providerIds.length === 0) return;
  await trx
    .insertInto('visit_type_providers')
    .values(
      [...new Set(providerIds)].map((provider_id) => ({ visit_type_id: visitTypeId, provider_id })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}
