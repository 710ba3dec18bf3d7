import { describe, expect, test } from 'vitest';
import { REFUSALS } from '../../../src/modules/refills/model.ts';
import { resources } from '../i18n/resources.ts';
import { callsForPhone, canRequest, eligibilityText, stillChosen } from './eligibility.ts';
import type { Eligibility, MedicationRefill } from './types.ts';

const med = (id: string, eligibility: Partial<Eligibility>) =>
  ({
    id,
    eligibility: { kind: null, refusal: null, availableOn: null, ...eligibility },
  }) as MedicationRefill;

describe('what a patient reads about a medication', () => {
  test('refills left: a refill; none left: a renewal the prescriber decides', () => {
    expect(eligibilityText(med('a', { kind: 'refill' }))).toBe('refill');
    expect(eligibilityText(med('a', { kind: 'renewal' }))).toBe('renewal');
    expect(canRequest(med('a', { kind: 'renewal' }))).toBe(true);
  });

  test.each(REFUSALS)('refused as %s: that reason is shown and no checkbox', (refusal) => {
    const m = med('a', { refusal });
    expect(eligibilityText(m)).toBe(refusal);
    expect(canRequest(m)).toBe(false);
  });

  test('controlled ones send the patient to the phone; the others do not', () => {
    expect(REFUSALS.filter(callsForPhone)).toEqual(['schedule_ii', 'controlled']);
  });

  test.each(['en', 'es'] as const)(
    'every reason has words in %s; too soon names the day',
    (lang) => {
      const texts = resources[lang].refills.eligibility;
      for (const key of [...REFUSALS, 'refill', 'renewal'] as const)
        expect(texts[key], key).toBeTruthy();
      expect(texts.too_soon).toContain('{{date}}');
    },
  );

  test('a choice no longer requestable after the list was read again drops out', () => {
    const list = [
      med('a', { kind: 'refill' }),
      med('b', { refusal: 'open_request' }),
      med('c', { kind: 'refill' }),
    ];
    expect(stillChosen(new Set(['a', 'b', 'gone']), list).map((m) => m.id)).toEqual(['a']);
  });
});
