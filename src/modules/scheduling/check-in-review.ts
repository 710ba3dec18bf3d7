// Staff review of check-ins at their clinics: what patients changed, beside
// what the portal knows now. Marking one reviewed records who looked; staff
// make the changes in the EHR themselves (the portal does not write them).
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { currentValues, visitTypeQuestionnaire } from './check-in.ts';
import { changedSections } from './check-in-changes.ts';
import type { CheckInChanges, CheckInDetail, CheckInSummary } from './check-in-model.ts';

type Db = Kysely<Schema>;
export const CHECK_INS_PAGE = 20;

type ClinicScope = string[] | 'all';

function checkInsQuery(db: Db, clinics: ClinicScope) {
  return db
    .selectFrom('appointment_checkins as ci')
    .innerJoin('appointments as a', 'a.id', 'ci.appointment_id')
    .innerJoin('clinics as c', 'c.id', 'a.clinic_id')
    .innerJoin('patients as p', 'p.id', 'a.patient_id')
    .innerJoin('visit_types as vt', 'vt.id', 'a.visit_type_id')
    .innerJoin('providers as pr', 'pr.id', 'a.provider_id')
    .leftJoin('users as u', 'u.id', 'ci.reviewed_by')
    .select([
      'a.id',
      'a.clinic_id',
      'c.name as clinic_name',
      'c.time_zone',
      'a.starts_at',
      'a.status',
      'a.visit_type_id',
      'vt.name_en',
      'vt.name_es',
      'pr.display_name as provider_name',
      'a.patient_id',
      'p.given_name',
      'p.family_name',
      'p.birth_date',
      'ci.changes',
      'ci.questionnaire_response',
      'ci.submitted_at',
      'ci.reviewed_at',
      'u.display_name as reviewed_by',
    ])
    .$if(clinics !== 'all', (q) =>
      // An empty list matches nothing (and `in ()` is not SQL).
      q.where('a.clinic_id', 'in', [
        ...(clinics as string[]),
        '00000000-0000-0000-0000-000000000000',
      ]),
    );
}

type Row = Awaited<ReturnType<ReturnType<typeof checkInsQuery>['executeTakeFirstOrThrow']>>;

const asJson = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

function summary(r: Row): CheckInSummary {
  return {
    appointmentId: r.id,
    clinicId: r.clinic_id,
    clinicName: r.clinic_name,
    timeZone: r.time_zone,
    startsAt: r.starts_at.toISOString(),
    status: r.status,
    visitTypeName: { en: r.name_en, es: r.name_es },
    providerName: r.provider_name,
    patient: {
      id: r.patient_id,
      name: { given: r.given_name, family: r.family_name },
      birthDate: r.birth_date,
    },
    submittedAt: r.submitted_at.toISOString(),
    reviewedAt: r.reviewed_at?.toISOString() ?? null,
    reviewedBy: r.reviewed_by,
    changed: changedSections(asJson<CheckInChanges>(r.changes), r.questionnaire_response !== null),
  };
}

/** Unreviewed first, soonest visit first; then the reviewed, most recently reviewed first. */
export async function listCheckIns(
  db: Db,
  q: { clinics: ClinicScope; show: 'unreviewed' | 'all'; page: number },
) {
  const rows = await checkInsQuery(db, q.clinics)
    .$if(q.show === 'unreviewed', (qb) => qb.where('ci.reviewed_at', 'is', null))
    .orderBy(sql`ci.reviewed_at is null desc`)
    .orderBy(sql`case when ci.reviewed_at is null then a.starts_at end asc`)
    .orderBy(sql`ci.reviewed_at desc`)
    .orderBy('a.id')
    .limit(CHECK_INS_PAGE + 1)
    .offset((q.page - 1) * CHECK_INS_PAGE)
    .execute();
  return {
    checkIns: rows.slice(0, CHECK_INS_PAGE).map(summary),
    page: q.page,
    hasMore: rows.length > CHECK_INS_PAGE,
  };
}

/** One check-in with the current values beside it; undefined when none is in reach. */
export async function checkInDetail(
  db: Db,
  appointmentId: string,
  clinics: ClinicScope,
): Promise<CheckInDetail | undefined> {
  const row = await checkInsQuery(db, clinics).where('a.id', '=', appointmentId).executeTakeFirst();
  if (!row) return undefined;
  return {
    summary: summary(row),
    current: await currentValues(db, row.patient_id),
    changes: asJson<CheckInChanges>(row.changes),
    questionnaire: await visitTypeQuestionnaire(db, row.visit_type_id),
    questionnaireResponse: asJson(row.questionnaire_response),
  };
}

/** Records that the staff member has reviewed it (at their clinics); the first reviewer stays on record. */
export async function markReviewed(
  db: Db,
  appointmentId: string,
  clinics: ClinicScope,
  userId: string,
): Promise<void> {
  await db
    .updateTable('appointment_checkins')
    .set({ reviewed_by: userId, reviewed_at: sql<Date>`now()` })
    .where(
      'appointment_id',
      'in',
      checkInsQuery(db, clinics).clearSelect().select('a.id').where('a.id', '=', appointmentId),
    )
    .where('reviewed_at', 'is', null)
    .execute();
}
