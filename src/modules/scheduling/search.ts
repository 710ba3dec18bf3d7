// Finding open times: the local inventory, narrowed by the visit type's rules
// (who offers it, lead time, how far ahead), minus slots with a live
// appointment or someone else's unexpired hold. Dates and times of day are
// the clinic's own; the answer is UTC with the clinic's zone beside it.
import { type Kysely, sql } from 'kysely';
import { PREPARED } from '../../platform/db/database.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { INVENTORY_DAYS } from './inventory.ts';
import type { SlotPage, SlotSearchQuery, SlotView } from './model.ts';
import {
  type Candidate,
  type OpenTimesMemory,
  openFrom,
  openNow,
  type SearchKey,
  type WindowAnswer,
} from './open-times-memory.ts';
import type { BookingMode } from './tables.ts';

type Db = Kysely<Schema>;

export const SLOTS_PER_PAGE = 20;
/** Local hours [from, to) of each time of day. */
const HOURS = { morning: [0, 12], afternoon: [12, 17], evening: [17, 24] } as const;

export interface SearchWindow {
  timeZone: string;
  from: Date;
  to: Date;
}

/** Who is searching: a patient (their clinic only), the front desk, or nobody in particular. */
export interface Searcher {
  /** Their own holds are not in the way; asked for a patient, the clinic must be theirs. */
  patientId?: string | null;
  /** Staff see past the online limits, and visit types not booked online. */
  byStaff?: boolean;
}

/**
 * One page of open times, earliest first ("first available" is page 1
 * without dates), and the window the visit type's rules allow. 404 when the
 * visit type is not offered or (for a patient) the clinic is not theirs.
 * A patient's search may be answered from `memory`.
 */
export async function searchSlots(
  db: Db,
  q: SlotSearchQuery,
  who: Searcher,
  memory?: OpenTimesMemory,
): Promise<{ window: SearchWindow; page: SlotPage }> {
  const [fromHour, toHour] = q.timeOfDay ? HOURS[q.timeOfDay] : [0, 24];
  const found = await openSlots(
    db,
    q,
    who,
    { fromHour, toHour, limit: SLOTS_PER_PAGE + 1, offset: (q.page - 1) * SLOTS_PER_PAGE },
    memory,
  );
  return {
    window: found.window,
    page: {
      timeZone: found.window.timeZone,
      slots: found.slots.slice(0, SLOTS_PER_PAGE),
      page: q.page,
      hasMore: found.slots.length > SLOTS_PER_PAGE,
    },
  };
}

interface SlotRow {
  id: number;
  starts_at: Date;
  ends_at: Date;
  provider_id: string;
  provider_name: string;
}

export const slotView = (r: SlotRow): SlotView => ({
  id: String(r.id),
  startsAt: r.starts_at.toISOString(),
  endsAt: r.ends_at.toISOString(),
  providerId: r.provider_id,
  providerName: r.provider_name,
});

/** The window's facts on every row, and a slot with its hold on each (no slots: one row without). */
interface WindowRow extends Omit<SlotRow, 'id'> {
  time_zone: string;
  booking: BookingMode | null;
  lead_minutes: number;
  registered: boolean;
  from_at: Date;
  to_at: Date;
  id: number | null;
  held_by: string | null;
  held_until: Date | null;
}

type Shape = { fromHour: number; toHour: number; after?: Date };
type Query = Pick<SlotSearchQuery, 'clinicId' | 'visitTypeId' | 'providerId' | 'from' | 'to'>;

/** Times read beyond the page asked for, so a few held by others do not cut it short. */
const SPARE = 5;

/**
 * The open times of a window from `offset`, at most `limit`: from memory when
 * a patient's search was answered lately, else read (and, for a patient, kept).
 */
async function openSlots(
  db: Db,
  q: Query,
  who: Searcher,
  p: Shape & { limit: number; offset: number },
  memory?: OpenTimesMemory,
): Promise<{ window: SearchWindow; slots: SlotView[] }> {
  if (q.from && q.to && q.to < q.from)
    throw new ApiError(400, 'bad_range', 'The end date must be on or after the start date.');
  const patientId = who.patientId ?? null;
  const need = p.offset + p.limit;
  const kept = memory && patientId && !who.byStaff && !p.after ? memory : undefined;
  const search = patientId && {
    key: `${q.visitTypeId}|${q.providerId ?? ''}|${q.from ?? ''}|${q.to ?? ''}|${p.fromHour}-${p.toHour}`,
    clinicId: q.clinicId,
    providerId: q.providerId,
    patientId,
  };
  if (kept && search) {
    const recalled = kept.recall(search);
    const open = recalled ? openNow(recalled, patientId) : [];
    if (recalled && (open.length >= need || recalled.complete)) {
      await mustBeRegistered(db, kept, search);
      kept.hits++;
      return page(recalled, open, p);
    }
    kept.misses++;
  }
  const mark = kept?.mark ?? 0;
  let answer = await readWindow(db, q, who, p, need + SPARE);
  // Many of its first times held by others: read further until the page is full.
  while (!answer.complete && openNow(answer, patientId).length < need)
    answer = await readWindow(db, q, who, p, answer.candidates.length * 4);
  if (search) kept?.keep(search, mark, answer);
  return page(answer, openNow(answer, patientId), p);
}

/** A patient's first search at a clinic whose times are kept: only their registration is read. */
async function mustBeRegistered(db: Db, memory: OpenTimesMemory, s: SearchKey) {
  if (memory.isRegistered(s)) return;
  const mark = memory.mark;
  const { rows } = await sql<{ registered: boolean }>`${sql.raw(PREPARED)}select exists (
      select 1 from patient_clinics where patient_id = ${s.patientId}::uuid
        and clinic_id = ${s.clinicId}::uuid) as registered`.execute(db);
  if (!rows[0]?.registered) throw notTheirClinic();
  memory.keepRegistered(s, mark);
}

const notTheirClinic = () =>
  new ApiError(404, 'not_found', 'You can book only at a clinic where you are a patient.');

function page(answer: WindowAnswer, open: Candidate[], p: { limit: number; offset: number }) {
  return {
    window: { timeZone: answer.timeZone, from: new Date(openFrom(answer)), to: answer.to },
    slots: open.slice(p.offset, p.offset + p.limit).map((c) => c.view),
  };
}

/**
 * The search itself, one prepared statement on the hot path: the visit
 * type's window (its rules, the clinic's calendar and zone) and its first
 * `limit` slots that no live appointment has, with any unexpired hold on
 * them. 404 when a patient may not search there or the type is not offered.
 */
async function readWindow(
  db: Db,
  q: Query,
  who: Searcher,
  p: Shape,
  limit: number,
): Promise<WindowAnswer> {
  const byStaff = who.byStaff === true;
  const patientId = who.patientId ?? null;
  // Each shape of search is its own prepared statement, so PostgreSQL plans
  // "one provider" on the provider's index instead of one plan for both.
  const provider = q.providerId ? sql`and s.provider_id = ${q.providerId}::uuid` : sql``;
  const hours =
    p.fromHour === 0 && p.toHour === 24
      ? sql``
      : sql`and extract(hour from s.starts_at at time zone w.time_zone)
          between ${p.fromHour}::int and ${p.toHour - 1}::int`;
  // Dates are the clinic's: a day starts at its local midnight, DST included.
  const { rows } = await sql<WindowRow>`${sql.raw(PREPARED)}with w as (
      select c.time_zone, vt.booking,
        case when ${byStaff}::boolean then 0 else vt.min_lead_minutes end as lead_minutes,
        (${byStaff}::boolean or ${patientId}::uuid is null or exists (select 1 from patient_clinics pc
          where pc.patient_id = ${patientId}::uuid and pc.clinic_id = c.id)) as registered,
        greatest(now() + make_interval(mins => case when ${byStaff}::boolean then 0 else vt.min_lead_minutes end),
          ${q.from ?? null}::date::timestamp at time zone c.time_zone, ${p.after ?? null}::timestamptz) as from_at,
        least(now() + make_interval(days => case when ${byStaff}::boolean then ${INVENTORY_DAYS}::int else vt.max_days_ahead end),
          (${q.to ?? null}::date + 1)::timestamp at time zone c.time_zone) as to_at
      from clinics c
      left join visit_types vt on vt.id = ${q.visitTypeId}::uuid and vt.clinic_id = c.id and vt.active
      where c.id = ${q.clinicId}::uuid)
    select w.time_zone, w.booking, w.lead_minutes, w.registered, w.from_at, w.to_at, s.*
    from w left join lateral (select s.id, s.starts_at, s.ends_at, s.provider_id,
        pr.display_name as provider_name, h.patient_id as held_by, h.expires_at as held_until
      from slots s
      join providers pr on pr.id = s.provider_id and pr.active
      join visit_type_providers vp on vp.provider_id = s.provider_id and vp.visit_type_id = ${q.visitTypeId}::uuid
      left join slot_holds h on h.slot_id = s.id and h.expires_at > now()
      where w.registered and (w.booking <> 'offline' or ${byStaff}::boolean)
        and s.clinic_id = ${q.clinicId}::uuid and s.free
        and s.starts_at >= w.from_at and s.starts_at < w.to_at
        ${provider} ${hours}
        and not exists (select 1 from appointments a where a.slot_id = s.id
          and a.status not in ('cancelled', 'declined', 'not_booked'))
      order by s.starts_at, s.id
      limit ${limit}::int) s on true
    order by s.starts_at, s.id`.execute(db);
  const head = rows[0];
  if (patientId && !byStaff && !head?.registered) throw notTheirClinic();
  if (!head?.booking || (head.booking === 'offline' && !byStaff))
    throw new ApiError(
      404,
      'visit_type_not_offered',
      'That visit type cannot be booked online here.',
    );
  const candidates = head.id === null ? [] : (rows as (SlotRow & WindowRow)[]).map(candidate);
  return {
    timeZone: head.time_zone,
    leadMinutes: head.lead_minutes,
    from: head.from_at,
    to: head.to_at,
    candidates,
    complete: candidates.length < limit,
  };
}

const candidate = (r: SlotRow & WindowRow): Candidate => ({
  slotId: r.id,
  view: slotView(r),
  startsAt: r.starts_at.getTime(),
  heldBy: r.held_by,
  heldUntil: r.held_until?.getTime() ?? 0,
});

/** The next few open times from a moment, any provider: what to offer when a time was just taken. */
export async function nextOpenTimes(
  db: Db,
  p: { clinicId: string; visitTypeId: string; patientId: string; after: Date; byStaff?: boolean },
): Promise<SlotView[]> {
  try {
    const found = await openSlots(db, p, p, {
      fromHour: 0,
      toHour: 24,
      limit: 5,
      offset: 0,
      after: p.after,
    });
    return found.slots;
  } catch (err) {
    if (err instanceof ApiError) return [];
    throw err;
  }
}
