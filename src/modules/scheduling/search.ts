// Finding open times: the local inventory, narrowed by the visit type's rules
// (who offers it, lead time, how far ahead), minus slots with a live
// appointment or someone else's unexpired hold. Dates and times of day are
// the clinic's own; the answer is UTC with the clinic's zone beside it.
import { type Kysely, sql } from 'kysely';
import { PREPARED } from '../../platform/db/database.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { addDays, zonedTimeToUtc } from '../../platform/time/zoned-time.ts';
import { INVENTORY_DAYS } from './inventory.ts';
import type { SlotPage, SlotSearchQuery, SlotView } from './model.ts';
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

/**
 * The visit type at the clinic with the instants its rules allow; 404 when it
 * is not offered, or (asked for a patient) when they are not registered there.
 */
export async function searchWindow(
  db: Db,
  q: Pick<SlotSearchQuery, 'clinicId' | 'visitTypeId' | 'from' | 'to'>,
  now: Date,
  who: { byStaff?: boolean; patientId?: string } = {},
): Promise<SearchWindow> {
  const byStaff = who.byStaff === true;
  // Prepared: every search and every refusal's "next open times" asks it.
  const [vt] = (
    await sql<{
      time_zone: string;
      min_lead_minutes: number;
      max_days_ahead: number;
      booking: BookingMode | null;
      registered: boolean;
    }>`${sql.raw(PREPARED)}select c.time_zone, vt.min_lead_minutes, vt.max_days_ahead, vt.booking,
        exists (select 1 from patient_clinics pc
          where pc.patient_id = ${who.patientId ?? null}::uuid and pc.clinic_id = c.id) as registered
      from clinics c
      left join visit_types vt on vt.id = ${q.visitTypeId}::uuid and vt.clinic_id = c.id and vt.active
      where c.id = ${q.clinicId}::uuid`.execute(db)
  ).rows;
  if (who.patientId && !vt?.registered)
    throw new ApiError(404, 'not_found', 'You can book only at a clinic where you are a patient.');
  if (!vt?.booking || (vt.booking === 'offline' && !byStaff))
    throw new ApiError(
      404,
      'visit_type_not_offered',
      'That visit type cannot be booked online here.',
    );
  const tz = vt.time_zone;
  const earliest = byStaff ? now : new Date(now.getTime() + vt.min_lead_minutes * 60_000);
  // Staff may look past the online limit, up to the inventory's reach.
  const days = byStaff ? INVENTORY_DAYS : vt.max_days_ahead;
  const latest = new Date(now.getTime() + days * 86_400_000);
  const from = q.from ? zonedTimeToUtc(q.from, '00:00', tz) : earliest;
  const to = q.to ? zonedTimeToUtc(addDays(q.to, 1), '00:00', tz) : latest;
  if (q.from && q.to && q.to < q.from)
    throw new ApiError(400, 'bad_range', 'The end date must be on or after the start date.');
  return {
    timeZone: tz,
    from: later(from, earliest),
    to: to < latest ? to : latest,
  };
}

const later = (a: Date, b: Date) => new Date(Math.max(a.getTime(), b.getTime()));

interface SlotRow {
  id: number;
  starts_at: Date;
  ends_at: Date;
  provider_id: string;
  provider_name: string;
}

/** One page of open slots in the window, earliest first ("first available" is page 1 without dates). */
export async function searchSlots(
  db: Db,
  q: SlotSearchQuery,
  patientId: string | null,
  window: SearchWindow,
): Promise<SlotPage> {
  const [fromHour, toHour] = q.timeOfDay ? HOURS[q.timeOfDay] : [0, 24];
  const rows = await openSlots(db, {
    ...q,
    window,
    fromHour,
    toHour,
    patientId,
    limit: SLOTS_PER_PAGE + 1,
    offset: (q.page - 1) * SLOTS_PER_PAGE,
  });
  return {
    timeZone: window.timeZone,
    slots: rows.slice(0, SLOTS_PER_PAGE).map(slotView),
    page: q.page,
    hasMore: rows.length > SLOTS_PER_PAGE,
  };
}

export const slotView = (r: SlotRow): SlotView => ({
  id: String(r.id),
  startsAt: r.starts_at.toISOString(),
  endsAt: r.ends_at.toISOString(),
  providerId: r.provider_id,
  providerName: r.provider_name,
});

/** The slot search itself: one prepared statement on the hot path. */
export async function openSlots(
  db: Db,
  p: {
    clinicId: string;
    visitTypeId: string;
    providerId?: string;
    window: SearchWindow;
    fromHour: number;
    toHour: number;
    patientId: string | null;
    limit: number;
    offset: number;
  },
): Promise<SlotRow[]> {
  // Each shape of search is its own prepared statement, so PostgreSQL plans
  // "one provider" on the provider's index instead of one plan for both.
  const provider = p.providerId ? sql`and s.provider_id = ${p.providerId}::uuid` : sql``;
  const hours =
    p.fromHour === 0 && p.toHour === 24
      ? sql``
      : sql`and extract(hour from s.starts_at at time zone ${p.window.timeZone}::text)
          between ${p.fromHour}::int and ${p.toHour - 1}::int`;
  const result = await sql<SlotRow>`${sql.raw(PREPARED)}select s.id, s.starts_at, s.ends_at,
      s.provider_id, pr.display_name as provider_name
    from slots s
    join providers pr on pr.id = s.provider_id and pr.active
    join visit_type_providers vp on vp.provider_id = s.provider_id and vp.visit_type_id = ${p.visitTypeId}::uuid
    where s.clinic_id = ${p.clinicId}::uuid and s.free
      and s.starts_at >= ${p.window.from}::timestamptz and s.starts_at < ${p.window.to}::timestamptz
      ${provider} ${hours}
      and not exists (select 1 from appointments a where a.slot_id = s.id
        and a.status not in ('cancelled', 'declined', 'not_booked'))
      and not exists (select 1 from slot_holds h where h.slot_id = s.id
        and h.expires_at > now() and h.patient_id is distinct from ${p.patientId}::uuid)
    order by s.starts_at, s.id
    limit ${p.limit}::int offset ${p.offset}::int`.execute(db);
  return result.rows;
}

/** The next few open times from a moment, any provider: what to offer when a time was just taken. */
export async function nextOpenTimes(
  db: Db,
  p: { clinicId: string; visitTypeId: string; patientId: string; after: Date; byStaff?: boolean },
  now = new Date(),
): Promise<SlotView[]> {
  try {
    const window = await searchWindow(db, p, now, { byStaff: p.byStaff });
    const rows = await openSlots(db, {
      ...p,
      window: { ...window, from: later(p.after, window.from) },
      fromHour: 0,
      toHour: 24,
      limit: 5,
      offset: 0,
    });
    return rows.map(slotView);
  } catch (err) {
    if (err instanceof ApiError) return [];
    throw err;
  }
}
