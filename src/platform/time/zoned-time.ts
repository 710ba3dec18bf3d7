// Wall-clock time in a clinic's IANA time zone ↔ UTC instants, with Intl
// only. Every date here is a calendar date 'YYYY-MM-DD'; every time 'HH:MM'.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock in `zone` at `instant`, as numbers. */
export function wallClock(zone: string, instant: number) {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(instant))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year as number,
    month: parts.month as number,
    day: parts.day as number,
    hour: parts.hour as number,
    minute: parts.minute as number,
    second: parts.second as number,
  };
}

/** How far `zone`'s wall clock is ahead of UTC at `instant`, in ms (negative in the Americas). */
function offsetMs(zone: string, instant: number): number {
  const w = wallClock(zone, instant);
  const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The UTC instant at which clocks in `zone` show `date` `time`. The offset
 * is taken at the answer, not at the guess, so a DST change between the two
 * is handled. (A time in a spring-forward gap, which no clinic opens at,
 * comes out an hour later.)
 */
export function zonedTimeToUtc(date: string, time: string, zone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [h, min] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, d, h, min);
  const first = wall - offsetMs(zone, wall);
  const second = wall - offsetMs(zone, first);
  return new Date(second);
}

/** The calendar date in `zone` at `instant`. */
export function localDate(zone: string, instant: number): string {
  const w = wallClock(zone, instant);
  return ymd(Date.UTC(w.year, w.month - 1, w.day));
}

/** 'HH:MM' in `zone` at `instant`. */
export function localTime(zone: string, instant: number): string {
  const w = wallClock(zone, instant);
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return ymd(Date.UTC(y, m - 1, d + days));
}

/** ISO weekday of a calendar date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay() || 7;
}

/** 'HH:MM' plus minutes, within one day. */
export function addMinutes(time: string, minutes: number): string {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const total = h * 60 + m + minutes;
  return `${pad(Math.floor(total / 60))}:${pad(total % 60)}`;
}

export function ymd(utcMs: number): string {
  return new Date(utcMs).toISOString().slice(0, 10);
}

const pad = (n: number) => String(n).padStart(2, '0');
