import { describe, expect, test } from 'vitest';
import { clockTime, timeZoneName, weekdayName } from './format.ts';

describe('weekdayName', () => {
  test('maps ISO weekdays, Monday first', () => {
    expect(weekdayName('en', 1)).toBe('Monday');
    expect(weekdayName('en', 7)).toBe('Sunday');
    expect(weekdayName('es', 1)).toBe('lunes');
    expect(weekdayName('es', 6)).toBe('sábado');
  });
});

describe('clockTime', () => {
  test('formats clinic-local times without shifting them', () => {
    expect(clockTime('en', '08:00')).toMatch(/^8:00\sAM$/);
    expect(clockTime('en', '17:30')).toMatch(/^5:30\sPM$/);
    expect(clockTime('es', '08:00')).toBe('8:00');
    expect(clockTime('es', '17:30')).toBe('17:30');
  });
});

describe('timeZoneName', () => {
  test('gives a readable name in the chosen language', () => {
    expect(timeZoneName('en', 'America/New_York')).toBe('Eastern Time');
    expect(timeZoneName('es', 'America/Chicago')).toMatch(/^hora central/);
  });

  test('falls back to the IANA id for an unknown zone', () => {
    expect(timeZoneName('en', 'Mars/Olympus_Mons')).toBe('Mars/Olympus_Mons');
  });
});
