// Clinic hours arrive as ISO weekdays and clinic-local "HH:MM" strings. They are
// formatted in UTC on a fixed date so the viewer's own time zone never shifts them.

const aMonday = Date.UTC(2024, 0, 1); // 1 January 2024 was a Monday.
const day = 24 * 60 * 60 * 1000;

/** ISO weekday (1 = Monday … 7 = Sunday) as a full name, e.g. "Monday", "lunes". */
export function weekdayName(lang: string, isoWeekday: number): string {
  const format = new Intl.DateTimeFormat(lang, { weekday: 'long', timeZone: 'UTC' });
  return format.format(aMonday + (isoWeekday - 1) * day);
}

/** "17:00" as "5:00 PM" in English, "17:00" in Spanish. */
export function clockTime(lang: string, hhmm: string): string {
  const [hours = 0, minutes = 0] = hhmm.split(':').map(Number);
  const format = new Intl.DateTimeFormat(lang, {
    hour: 'numeric',
    minute: '2-digit',
    timeZone: 'UTC',
  });
  return format.format(aMonday + (hours * 60 + minutes) * 60 * 1000);
}

/**
 * A readable zone name, e.g. "Eastern Time" / "hora del este". Hours repeat every
 * week, so the generic name fits better than "Eastern Standard Time", which is
 * wrong half the year. Falls back to the IANA id if the runtime lacks the name.
 */
export function timeZoneName(lang: string, timeZone: string): string {
  for (const style of ['longGeneric', 'long'] as const) {
    try {
      const parts = new Intl.DateTimeFormat(lang, {
        timeZone,
        timeZoneName: style,
      }).formatToParts();
      const name = parts.find((part) => part.type === 'timeZoneName')?.value;
      if (name) return name;
    } catch {
      // Unknown zone or style: try the next one.
    }
  }
  return timeZone;
}

/** An instant (ISO string) as a date and time in the viewer's own time zone. */
export function dateTime(lang: string, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A calendar date "YYYY-MM-DD" (a birth date) without any time zone shift. */
export function calendarDate(lang: string, ymd: string): string {
  const [year, month, day] = ymd.split('-').map(Number);
  if (!year || !month || !day) return ymd;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }).format(
    Date.UTC(year, month - 1, day),
  );
}

/** Seconds as "m:ss" for a countdown. */
export function minutesSeconds(totalSeconds: number): string {
  const s = Math.max(0, Math.ceil(totalSeconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
