import { describe, expect, test } from 'vitest';
import { clinicTime, isDay, shiftDay, todayIn } from './frontDesk.ts';

describe('clinic days and times', () => {
  test('today is the clinic’s date, not the viewer’s', () => {
    // 02:30 UTC on 1 March is still 28 February in Chicago.
    const at = new Date('2027-03-01T02:30:00Z');
    expect(todayIn('America/Chicago', at)).toBe('2027-02-28');
    expect(todayIn('Asia/Tokyo', at)).toBe('2027-03-01');
  });

  test('days step over month ends and leap days; only real dates count', () => {
    expect(shiftDay('2028-02-28', 1)).toBe('2028-02-29');
    expect(shiftDay('2027-03-01', -1)).toBe('2027-02-28');
    expect(isDay('2027-02-29')).toBe(false);
    expect(isDay('2028-02-29')).toBe(true);
    expect(isDay('tomorrow')).toBe(false);
  });

  test('a time carries the clinic’s zone on both sides of a DST change', () => {
    expect(clinicTime('en-US', '2026-11-02T14:00:00Z', 'America/New_York')).toBe('9:00 AM EST');
    expect(clinicTime('en-US', '2026-10-30T13:00:00Z', 'America/New_York')).toBe('9:00 AM EDT');
  });
});
