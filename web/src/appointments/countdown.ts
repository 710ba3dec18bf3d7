// The hold's countdown. The visible clock ticks every second; a screen reader
// hears it only at a few marks (and when the hold ends), so it is told in
// time without being talked over every second.

/** Seconds left at which the time left is announced. */
export const ANNOUNCE_AT = [240, 180, 120, 60, 30] as const;

export const secondsLeft = (expiresAt: string, now: number): number =>
  Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));

export type Announcement = { minutes: number } | { seconds: number } | 'ended';

/**
 * What to announce as the time left goes from `before` to `after` seconds:
 * the last mark passed (a sleeping tab may skip several), "ended", or nothing.
 */
export function holdAnnouncement(before: number, after: number): Announcement | null {
  if (after <= 0) return before > 0 ? 'ended' : null;
  const passed = ANNOUNCE_AT.filter((mark) => before > mark && after <= mark);
  if (passed.length === 0) return null;
  const mark = Math.min(...passed);
  return mark >= 60 ? { minutes: mark / 60 } : { seconds: mark };
}
