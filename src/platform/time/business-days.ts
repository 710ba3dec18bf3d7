// Business days on a clinic's own calendar: the clinics promise answers
// (refill decisions, first replies to messages) within so many weekdays.
import { addDays, isoWeekday, localDate, localTime, zonedTimeToUtc } from './zoned-time.ts';

/**
 * `from` plus `days` business days: the same local time of day on the
 * `days`-th weekday after `from`'s local date (Saturdays and Sundays are not
 * counted, so a Friday request due in 2 is due Tuesday, as is a Saturday one).
 */
export function addBusinessDays(from: Date, days: number, zone: string): Date {
  let date = localDate(zone, from.getTime());
  for (let counted = 0; counted < days; ) {
    date = addDays(date, 1);
    if (isoWeekday(date) <= 5) counted++;
  }
  // Seconds and below are kept as they were; the time zone math works in minutes.
  const belowMinute = from.getTime() % 60_000;
  return new Date(
    zonedTimeToUtc(date, localTime(zone, from.getTime()), zone).getTime() + belowMinute,
  );
}
