import type { TFunction } from 'i18next';
import { describe, expect, test } from 'vitest';
import { ApiError } from '../api.ts';
import { resources } from '../i18n/resources.ts';
import { nextTimesOf, SCHEDULING_ERRORS, schedulingErrorMessage } from './errors.ts';

// A t() over the English texts, enough to see which text is chosen.
const t = ((key: string, vars: Record<string, unknown> = {}) => {
  const text = key
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], resources.en);
  return String(text ?? key).replace(/{{(\w+)}}/g, (_, name: string) => String(vars[name]));
}) as unknown as TFunction;

const slot = {
  id: '7',
  startsAt: '2026-12-01T14:00:00.000Z',
  endsAt: '2026-12-01T14:20:00.000Z',
  providerId: 'p',
  providerName: 'Dr. Brandt',
};

describe('scheduling refusals', () => {
  test.each(['en', 'es'] as const)('every refusal the API makes has a %s text', (lang) => {
    for (const code of SCHEDULING_ERRORS)
      expect(resources[lang].appointments.errors[code], code).toBeTruthy();
  });

  test('the cut-off is named when the server gives it', () => {
    const late = new ApiError('Changes online close…', 409, 'too_late', { cutoffHours: 24 });
    expect(schedulingErrorMessage(t, 'en', late)).toBe(
      'Changes online close 24 hours before the visit. Please call the clinic.',
    );
  });

  test('codes the page does not know fall back to the shared messages', () => {
    expect(schedulingErrorMessage(t, 'en', new ApiError('x', 404, 'not_found'))).toBe(
      resources.en.apiErrors.not_found,
    );
    expect(schedulingErrorMessage(t, 'en', new TypeError('offline'))).toBe(
      resources.en.apiErrors.network,
    );
  });

  test('the next open times come only with a conflict that carries them', () => {
    expect(nextTimesOf(new ApiError('taken', 409, 'slot_taken', { nextTimes: [slot] }))).toEqual([
      slot,
    ]);
    expect(nextTimesOf(new ApiError('taken', 409, 'slot_taken'))).toEqual([]);
    expect(nextTimesOf(new ApiError('no', 404, 'not_found', { nextTimes: [slot] }))).toEqual([]);
    expect(nextTimesOf(new Error('boom'))).toEqual([]);
  });
});
