// Appointment times are instants (UTC); people read them in the clinic's own
// zone, with the zone named, whatever the zone of the device they use. The
// US locales match the wording of the e-mails (src/modules/scheduling/notices.ts).

export const intlLocale = (lang: string) => (lang === 'es' ? 'es-US' : 'en-US');

/** "Monday, November 30, 2026 at 8:00 AM EST". */
export function whenText(lang: string, iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(intlLocale(lang), {
    timeZone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** "8:00 AM EST". */
export function timeText(lang: string, iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(intlLocale(lang), {
    timeZone,
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** The clinic's calendar day of an instant, "YYYY-MM-DD". */
export function localDay(iso: string | Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** Today in the clinic's calendar. */
export const todayIn = (timeZone: string, now = new Date()) => localDay(now, timeZone);

/** "Monday, November 30, 2026" for a calendar day (no zone can shift it). */
export function dayText(lang: string, day: string): string {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(intlLocale(lang), {
    timeZone: 'UTC',
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }).format(Date.UTC(year, month - 1, date, 12));
}

/** A calendar day n days later, "YYYY-MM-DD". */
export function addDays(day: string, n: number): string {
  const [year = 0, month = 1, date = 1] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + n)).toISOString().slice(0, 10);
}

export interface Day<T> {
  day: string;
  items: T[];
}

/** Items in time order, grouped by the clinic's calendar day (not the device's). */
export function groupByDay<T extends { startsAt: string }>(items: T[], timeZone: string): Day<T>[] {
  const days: Day<T>[] = [];
  for (const item of items) {
    const day = localDay(item.startsAt, timeZone);
    const last = days.at(-1);
    if (last?.day === day) last.items.push(item);
    else days.push({ day, items: [item] });
  }
  return days;
}
