// The front desk's lists: a clinic's day (local day boundaries, DST-correct),
// the booking requests waiting for approval (oldest first), and one
// patient's appointments at the caller's clinics. Each appointment comes
// with the patient's name and birth date, check-in status and what the desk
// may do with it now.
import { type Kysely, sql } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { addDays, localDate, zonedTimeToUtc } from '../../platform/time/zoned-time.ts';
import { changeRefusal } from './rules.ts';
import type { DayView, StaffAppointment, StaffAppointmentPage } from './staff-model.ts';
import type { ClinicScope } from './staff-scope.ts';
import { appointmentsQuery, appointmentView } from './views.ts';
import { outcomeRefusal, VISIT_OUTCOMES } from './visit-outcomes.ts';

type Db = Kysely<Schema>;

export const DAY_PAGE = 100;
export const LIST_PAGE = 20;

function staffAppointmentsQuery(db: Db) {
  return appointmentsQuery(db)
    .innerJoin('patients as p', 'p.id', 'a.patient_id')
    .leftJoin('appointment_checkins as ck', 'ck.appointment_id', 'a.id')
    .select([
      'p.given_name',
      'p.family_name',
      'p.birth_date',
      'ck.submitted_at as checkin_submitted_at',
      'ck.reviewed_at as checkin_reviewed_at',
    ]);
}

type StaffRow = Awaited<
  ReturnType<ReturnType<typeof staffAppointmentsQuery>['executeTakeFirstOrThrow']>
>;

export function staffView(r: StaffRow, now: Date): StaffAppointment {
  const facts = { now, startsAt: r.starts_at, status: r.status, timeZone: r.time_zone };
  return {
    ...appointmentView(r, now),
    patient: {
      id: r.patient_id,
      name: { given: r.given_name, family: r.family_name },
      birthDate: r.birth_date,
    },
    checkIn: r.checkin_submitted_at
      ? {
          submittedAt: r.checkin_submitted_at.toISOString(),
          reviewed: r.checkin_reviewed_at !== null,
        }
      : null,
    staffCanChange:
      changeRefusal({ ...facts, changeCutoffHours: r.change_cutoff_hours, byStaff: true }) === null,
    outcomes: VISIT_OUTCOMES.filter((outcome) => outcomeRefusal({ ...facts, outcome }) === null),
  };
}

/** One appointment as the desk sees it, when it is at the caller's clinics. */
export async function findStaffAppointment(
  db: Db,
  id: string,
  clinics: ClinicScope,
): Promise<StaffAppointment | undefined> {
  const row = await staffAppointmentsQuery(db)
    .where('a.id', '=', id)
    .$if(clinics !== 'all', (q) => q.where('a.clinic_id', 'in', clinics as string[]))
    .executeTakeFirst();
  return row && staffView(row, new Date());
}

/** The clinic's calendar day as UTC instants [from, to): 23 or 25 hours on a DST change. */
export function localDay(date: string, timeZone: string): { from: Date; to: Date } {
  return {
    from: zonedTimeToUtc(date, '00:00', timeZone),
    to: zonedTimeToUtc(addDays(date, 1), '00:00', timeZone),
  };
}

/** Every appointment of the clinic's day (any status), by time, and each provider's open times left. */
export async function dayView(
  db: Db,
  clinic: { id: string; name: string; time_zone: string },
  q: { date?: string; providerId?: string; page: number },
  now = new Date(),
): Promise<DayView> {
  const date = q.date ?? localDate(clinic.time_zone, now.getTime());
  const { from, to } = localDay(date, clinic.time_zone);
  const [rows, providers] = await Promise.all([
    staffAppointmentsQuery(db)
      .where('a.clinic_id', '=', clinic.id)
      .where('a.starts_at', '>=', from)
      .where('a.starts_at', '<', to)
      .$if(q.providerId !== undefined, (b) => b.where('a.provider_id', '=', q.providerId as string))
      .orderBy('a.starts_at')
      .orderBy('pr.display_name')
      .orderBy('a.id')
      .limit(DAY_PAGE + 1)
      .offset((q.page - 1) * DAY_PAGE)
      .execute(),
    providersOfDay(db, clinic.id, from, to, now),
  ]);
  return {
    clinic: { id: clinic.id, name: clinic.name, timeZone: clinic.time_zone },
    date,
    providers,
    appointments: rows.slice(0, DAY_PAGE).map((r) => staffView(r, now)),
    page: q.page,
    hasMore: rows.length > DAY_PAGE,
  };
}

/** The clinic's active providers (and any other with an appointment that day), with open times still to come. */
async function providersOfDay(db: Db, clinicId: string, from: Date, to: Date, now: Date) {
  const rows = await sql<{ id: string; name: string; free_slots: number }>`select pr.id,
      pr.display_name as name,
      (select count(*)::int from slots s where s.provider_id = pr.id and s.free
        and s.starts_at >= ${from > now ? from : now} and s.starts_at < ${to}
        and not exists (select 1 from appointments a where a.slot_id = s.id
          and a.status not in ('cancelled', 'declined', 'not_booked'))
        and not exists (select 1 from slot_holds h where h.slot_id = s.id
          and h.expires_at > now())) as free_slots
    from providers pr
    where pr.clinic_id = ${clinicId}
      and (pr.active or exists (select 1 from appointments a where a.provider_id = pr.id
        and a.starts_at >= ${from} and a.starts_at < ${to}))
    order by pr.display_name, pr.id`.execute(db);
  return rows.rows.map((r) => ({ id: r.id, name: r.name, freeSlots: r.free_slots }));
}

/** Booking requests waiting at the clinic, oldest first. */
export async function requestsQueue(
  db: Db,
  clinicId: string,
  page: number,
  now = new Date(),
): Promise<StaffAppointmentPage> {
  const waiting = staffAppointmentsQuery(db)
    .where('a.clinic_id', '=', clinicId)
    .where('a.status', '=', 'requested');
  const [rows, count] = await Promise.all([
    waiting
      .orderBy('a.created_at')
      .orderBy('a.id')
      .limit(LIST_PAGE + 1)
      .offset((page - 1) * LIST_PAGE)
      .execute(),
    db
      .selectFrom('appointments')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .where('clinic_id', '=', clinicId)
      .where('status', '=', 'requested')
      .executeTakeFirstOrThrow(),
  ]);
  return pageOf(rows, Number(count.total), page, now);
}

/** A patient's appointments at the caller's clinics: upcoming soonest first, or past latest first. */
export async function patientAppointments(
  db: Db,
  p: { patientId: string; clinics: ClinicScope; when: 'upcoming' | 'past'; page: number },
  now = new Date(),
): Promise<StaffAppointmentPage> {
  const upcoming = p.when === 'upcoming';
  const theirs = staffAppointmentsQuery(db)
    .where('a.patient_id', '=', p.patientId)
    .$if(p.clinics !== 'all', (q) => q.where('a.clinic_id', 'in', p.clinics as string[]))
    .where('a.ends_at', upcoming ? '>' : '<=', now);
  const rows = await theirs
    .orderBy('a.starts_at', upcoming ? 'asc' : 'desc')
    .orderBy('a.id')
    .limit(LIST_PAGE + 1)
    .offset((p.page - 1) * LIST_PAGE)
    .execute();
  const total = await theirs
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  return pageOf(rows, Number(total.total), p.page, now);
}

function pageOf(rows: StaffRow[], total: number, page: number, now: Date): StaffAppointmentPage {
  return {
    appointments: rows.slice(0, LIST_PAGE).map((r) => staffView(r, now)),
    total,
    page,
    hasMore: rows.length > LIST_PAGE,
  };
}
