import { describe, expect, test } from 'vitest';
import { IdleTracker, PING_INTERVAL_MS, WARNING_MS } from './idle.ts';

const minute = 60_000;

describe('IdleTracker', () => {
  test('warns two minutes before the idle deadline and expires at it', () => {
    const idle = new IdleTracker(15, 0);
    expect(idle.phase(13 * minute - 1)).toBe('active');
    expect(idle.phase(13 * minute)).toBe('warning');
    expect(idle.msLeft(13 * minute)).toBe(WARNING_MS);
    expect(idle.phase(15 * minute)).toBe('expired');
    expect(idle.msLeft(16 * minute)).toBe(0);
  });

  test('activity pings the server at most once a minute, then moves the deadline', () => {
    const idle = new IdleTracker(15, 0);
    idle.active(10_000);
    expect(idle.pingDue(10_000)).toBe(false); // the page load counted a moment ago
    expect(idle.pingDue(PING_INTERVAL_MS)).toBe(true); // trailing: the activity is not lost
    idle.touched(PING_INTERVAL_MS, true);
    expect(idle.pingDue(PING_INTERVAL_MS + 1)).toBe(false);
    expect(idle.deadline).toBe(PING_INTERVAL_MS + 15 * minute);
  });

  test('no activity, no ping: reading alone does not keep the session open', () => {
    const idle = new IdleTracker(15, 0);
    expect(idle.pingDue(5 * minute)).toBe(false);
  });

  test('activity during the warning does not extend the session by itself', () => {
    const idle = new IdleTracker(15, 0);
    idle.active(14 * minute);
    expect(idle.pingDue(14 * minute)).toBe(false);
    expect(idle.lastActivity).toBe(0);
  });

  test('an ordinary request counts from 15 s before it started; never moves the deadline back', () => {
    const idle = new IdleTracker(15, 0);
    idle.touched(5 * minute);
    expect(idle.deadline).toBe(5 * minute - 15_000 + 15 * minute);
    idle.touched(1 * minute);
    expect(idle.deadline).toBe(5 * minute - 15_000 + 15 * minute);
  });
});
