import { describe, expect, test } from 'vitest';
import { addDays, dayText, groupByDay, localDay, timeText, todayIn, whenText } from './when.ts';

const NY = 'America/New_York';

describe('times in the clinic zone', () => {
  test('a 9:00 visit reads 9:00 on both sides of a daylight saving change, zone named', () => {
    expect(timeText('en', '2026-03-06T14:00:00Z', NY)).toBe('9:00 AM EST');
    expect(timeText('en', '2026-03-09T13:00:00Z', NY)).toBe('9:00 AM EDT');
    expect(timeText('en', '2026-11-02T14:00:00Z', NY)).toBe('9:00 AM EST');
  });

  test('the date and time read in Spanish, with the zone', () => {
    expect(whenText('es', '2026-11-30T13:00:00Z', NY)).toBe(
      'lunes, 30 de noviembre de 2026, 8:00 a.m. EST',
    );
    expect(whenText('en', '2026-11-30T13:00:00Z', 'America/Denver')).toBe(
      'Monday, November 30, 2026 at 6:00 AM MST',
    );
  });

  test("the day is the clinic's, not UTC's", () => {
    // 02:30 UTC on 1 December is still 30 November in New York.
    expect(localDay('2026-12-01T02:30:00Z', NY)).toBe('2026-11-30');
    expect(localDay('2026-12-01T02:30:00Z', 'Europe/Madrid')).toBe('2026-12-01');
    expect(todayIn(NY, new Date('2026-12-01T04:59:00Z'))).toBe('2026-11-30');
  });

  test('calendar days step across months and read as a full date', () => {
    expect(addDays('2026-11-29', 3)).toBe('2026-12-02');
    expect(addDays('2026-03-07', 1)).toBe('2026-03-08');
    expect(dayText('en', '2026-11-30')).toBe('Monday, November 30, 2026');
    expect(dayText('es', '2026-11-30')).toBe('lunes, 30 de noviembre de 2026');
  });
});

describe('grouping by day', () => {
  test('late evening times stay on their local day; order is kept', () => {
    const slots = [
      { id: 'a', startsAt: '2026-11-30T22:00:00Z' }, // 17:00 on the 30th
      { id: 'b', startsAt: '2026-12-01T02:30:00Z' }, // 21:30 on the 30th
      { id: 'c', startsAt: '2026-12-01T14:00:00Z' }, // 09:00 on the 1st
    ];
    expect(
      groupByDay(slots, NY).map((d) => ({ day: d.day, ids: d.items.map((s) => s.id) })),
    ).toEqual([
      { day: '2026-11-30', ids: ['a', 'b'] },
      { day: '2026-12-01', ids: ['c'] },
    ]);
  });

  test('no items, no days', () => {
    expect(groupByDay([], NY)).toEqual([]);
  });
});
