import { describe, expect, test } from 'vitest';
import { resources } from '../i18n/resources.ts';
import { APPOINTMENT_STATUSES, howToChange, isSettling, statusTone } from './status.ts';

describe('status labels', () => {
  test.each(['en', 'es'] as const)('every status has a label and an explanation in %s', (lang) => {
    const texts = resources[lang].appointments;
    for (const status of APPOINTMENT_STATUSES) {
      expect(texts.status[status], status).toBeTruthy();
      expect(texts.statusHelp[status], status).toBeTruthy();
    }
  });

  test('the statuses a patient asked to be told apart read as asked', () => {
    const en = resources.en.appointments.status;
    expect(en.confirming).toBe("Waiting for the clinic's system to confirm");
    expect(en.requested).toBe('Request sent — the clinic will confirm');
    expect(en.not_booked).toBe('Not booked: the time was taken');
  });

  test('settled and wanted reads green; released reads red; waiting reads blue', () => {
    expect(statusTone('booked')).toBe('active');
    expect(statusTone('confirming')).toBe('invited');
    expect(statusTone('not_booked')).toBe('locked');
    expect(statusTone('completed')).toBe('none');
  });

  test('only a booking on its way to the EHR is worth polling', () => {
    expect(isSettling({ status: 'confirming' })).toBe(true);
    expect(isSettling({ status: 'requested' })).toBe(false);
    expect(isSettling(undefined)).toBe(false);
  });
});

describe('how to change an appointment', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  const tomorrow = '2026-11-30T13:00:00Z';

  test('online until the cut-off the server gave', () => {
    const a = { status: 'booked', startsAt: tomorrow, changeableUntil: '2026-11-29T13:00:00Z' };
    expect(howToChange(a as never, now)).toBe('online');
  });

  test('by phone after the cut-off, while the visit is ahead and still wanted', () => {
    expect(howToChange({ status: 'booked', startsAt: tomorrow, changeableUntil: null }, now)).toBe(
      'call',
    );
    // The page stayed open past the cut-off.
    const stale = { status: 'confirming', startsAt: tomorrow, changeableUntil: now.toISOString() };
    expect(howToChange(stale as never, now)).toBe('call');
  });

  test('not at all once released, past, or the patient has arrived', () => {
    for (const status of ['cancelled', 'not_booked', 'arrived', 'completed'] as const)
      expect(howToChange({ status, startsAt: tomorrow, changeableUntil: null }, now)).toBe('none');
    const past = { status: 'booked', startsAt: '2026-11-28T13:00:00Z', changeableUntil: null };
    expect(howToChange(past as never, now)).toBe('none');
  });
});
