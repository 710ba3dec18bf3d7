import { describe, expect, test } from 'vitest';
import { holdAnnouncement, secondsLeft } from './countdown.ts';

describe('hold countdown', () => {
  const expiresAt = '2026-11-29T12:05:00.000Z';
  const at = (iso: string) => Date.parse(iso);

  test('counts whole seconds left, never below zero', () => {
    expect(secondsLeft(expiresAt, at('2026-11-29T12:00:00.000Z'))).toBe(300);
    expect(secondsLeft(expiresAt, at('2026-11-29T12:04:59.200Z'))).toBe(1);
    expect(secondsLeft(expiresAt, at('2026-11-29T12:06:00.000Z'))).toBe(0);
  });

  test('announces each mark once, as it is passed, and not in between', () => {
    const heard = [];
    for (let s = 300; s > 0; s--) {
      const said = holdAnnouncement(s, s - 1);
      if (said) heard.push(said);
    }
    expect(heard).toEqual([
      { minutes: 4 },
      { minutes: 3 },
      { minutes: 2 },
      { minutes: 1 },
      { seconds: 30 },
      'ended',
    ]);
  });

  test('a tab that slept past several marks hears only the latest', () => {
    expect(holdAnnouncement(250, 100)).toEqual({ minutes: 2 });
    expect(holdAnnouncement(250, 0)).toBe('ended');
  });

  test('nothing more once the hold has ended', () => {
    expect(holdAnnouncement(0, 0)).toBeNull();
  });
});
