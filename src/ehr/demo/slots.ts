// Free appointment slots for every demo clinician: 20- or 30-minute slots
// within the clinic's opening hours (lunch 12:00–13:00 kept free), in the
// clinic's own time zone, so a slot at 08:00 is at 08:00 local on both sides
// of a DST change. Topped up at start so there are always SLOT_DAYS ahead.
import type { MemoryRepository } from '@medplum/fhir-router';
import type { Slot } from '@medplum/fhirtypes';
import type { OpeningHours } from '../../modules/clinics/model.ts';
import {
  addDays,
  addMinutes,
  isoWeekday,
  localDate,
  zonedTimeToUtc,
} from '../../platform/time/zoned-time.ts';
import { type Clinician, clinicians, demoClinic, scheduleId } from './directory.ts';

export const SLOT_DAYS = 60;
/** Free slots that ended longer ago than this are dropped at top-up. */
const KEEP_PAST_DAYS = 7;
const LUNCH = { from: '12:00', to: '13:00' };

export interface Period {
  start: Date;
  end: Date;
}

/**
 * The slots of `minutes` in a clinic's hours on the local dates from
 * `firstDate` for `days` days, in `zone`; only those starting after `after`.
 */
export function slotTimes(
  hours: OpeningHours[],
  zone: string,
  minutes: number,
  firstDate: string,
  days: number,
  after: Date,
): Period[] {
  const out: Period[] = [];
  for (let i = 0; i < days; i++) {
    const date = addDays(firstDate, i);
    const weekday = isoWeekday(date);
    for (const open of hours.filter((h) => h.weekday === weekday)) {
      const opens = zonedTimeToUtc(date, open.opens, zone);
      const closes = zonedTimeToUtc(date, open.closes, zone);
      if (closes <= after) continue;
      // Clocks rarely change during opening hours; when they do, convert each time.
      const steady =
        closes.getTime() - opens.getTime() === minutesBetween(open.opens, open.closes) * 60_000;
      const at = (time: string) =>
        steady
          ? new Date(opens.getTime() + minutesBetween(open.opens, time) * 60_000)
          : zonedTimeToUtc(date, time, zone);
      for (let t = open.opens; addMinutes(t, minutes) <= open.closes; t = addMinutes(t, minutes)) {
        const end = addMinutes(t, minutes);
        if (t < LUNCH.to && end > LUNCH.from) continue;
        const start = at(t);
        if (start > after) out.push({ start, end: at(end) });
      }
    }
  }
  return out;
}

/** A Slot id from its schedule and start, so regenerating a slot gives the same id. */
export function slotId(c: Clinician, start: Date): string {
  return `slot-${c.key}-${start.toISOString().replace(/[-:]|\.\d+/g, '')}`;
}

function slotResource(c: Clinician, period: Period): Slot {
  return {
    resourceType: 'Slot',
    id: slotId(c, period.start),
    schedule: { reference: `Schedule/${scheduleId(c)}` },
    status: 'free',
    start: period.start.toISOString(),
    end: period.end.toISOString(),
    serviceType: [{ text: 'Office visit' }],
    appointmentType: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v2-0276',
          code: 'ROUTINE',
          display: 'Routine appointment',
        },
      ],
    },
  };
}

/**
 * Adds slots after each schedule's last one up to SLOT_DAYS ahead (never
 * re-adding one the EHR removed), and drops free slots long past.
 * Returns how many it added and removed.
 */
export async function topUpSlots(repo: MemoryRepository, now = new Date()) {
  const existing = await repo.searchResources<Slot>({ resourceType: 'Slot' });
  const last = new Map<string, Date>();
  const cutoff = now.getTime() - KEEP_PAST_DAYS * 86_400_000;
  let removed = 0;
  for (const slot of existing) {
    const schedule = slot.schedule.reference ?? '';
    const start = new Date(slot.start);
    if (!(start <= (last.get(schedule) ?? new Date(0)))) last.set(schedule, start);
    if (slot.status === 'free' && new Date(slot.end).getTime() < cutoff) {
      await repo.deleteResource('Slot', slot.id as string);
      removed++;
    }
  }
  let added = 0;
  for (const c of clinicians) {
    const clinic = demoClinic(c.clinic);
    const latest = last.get(`Schedule/${scheduleId(c)}`);
    const after = latest && latest > now ? latest : now;
    const today = localDate(clinic.timeZone, now.getTime());
    for (const period of slotTimes(
      clinic.hours,
      clinic.timeZone,
      c.slotMinutes,
      today,
      SLOT_DAYS,
      after,
    )) {
      await repo.createResource(slotResource(c, period));
      added++;
    }
  }
  return { added, removed };
}

function minutesBetween(from: string, to: string): number {
  const m = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  return m(to) - m(from);
}
