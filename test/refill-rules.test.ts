// The refill eligibility rules (src/modules/refills/rules.ts) against a spec
// written here rule by rule: for random medication histories, clinic rules
// and days, a refill may be asked for exactly when every rule allows it, and
// the refusal shown is the first failing rule in the documented order
// (REFUSALS). Dates are drawn across month, year and leap-day boundaries.
// Then the controlled-substance list (controlled.ts): by code, by name, and
// by the preparation for codeine.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlledSchedule } from '../src/modules/refills/controlled.ts';
import {
  CONTROLLED_CODES,
  CONTROLLED_NAMES,
} from '../src/modules/refills/controlled-substances.ts';
import { REFUSALS, type Refusal } from '../src/modules/refills/model.ts';
import {
  type EligibilityRules,
  eligibility,
  type MedicationFacts,
  withLastSent,
} from '../src/modules/refills/rules.ts';
import { NOT_REFILLABLE } from '../src/modules/refills/tables.ts';

const DAY = 86_400_000;
/** Days since 1970-01-01 of a YYYY-MM-DD date, and back: the spec's own date maths. */
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY;
const dateOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

const STATUSES = [
  'active',
  'on-hold',
  'stopped',
  'cancelled',
  'completed',
  'entered-in-error',
  'draft',
  'unknown',
];

const today = fc
  .tuple(
    fc.constantFrom('2024-02-29', '2025-01-01', '2025-12-31', '2026-03-08', '2026-11-01'),
    fc.integer({ min: -40, max: 40 }),
  )
  .map(([base, offset]) => dateOf(dayNumber(base) + offset));

const rules: fc.Arbitrary<EligibilityRules> = fc.record({
  earlyDays: fc.integer({ min: 0, max: 60 }),
  controlledOnline: fc.boolean(),
});

/** A medication's facts, its last fill often right around the day it may be refilled. */
const facts = (r: EligibilityRules, day: string): fc.Arbitrary<MedicationFacts> =>
  fc
    .record({
      status: fc.oneof(
        { weight: 3, arbitrary: fc.constant('active') },
        fc.constantFrom(...STATUSES),
      ),
      controlledSchedule: fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        fc.constantFrom(2 as const, 3 as const, 4 as const, 5 as const),
      ),
      refillsRemaining: fc.option(fc.integer({ min: 0, max: 11 })),
      daysSupply: fc.option(fc.integer({ min: 0, max: 120 }), { freq: 5 }),
      fillOffset: fc.oneof(fc.integer({ min: -200, max: 5 }), fc.constantFrom(-1, 0, 1)),
      filled: fc.boolean(),
      hasOpenRequest: fc.boolean(),
    })
    .map(({ fillOffset, filled, ...m }) => {
      // fillOffset 0: the fill runs out (less the early days) exactly today.
      const daysBack = (m.daysSupply ?? 30) - r.earlyDays - fillOffset;
      const lastFilledOn =
        filled || m.daysSupply === null ? dateOf(dayNumber(day) - daysBack) : null;
      return { ...m, lastFilledOn };
    });

const cases = fc
  .tuple(rules, today)
  .chain(([r, day]) => fc.tuple(facts(r, day), fc.constant(r), fc.constant(day)));

/** The first day the last fill allows a refill, by the spec's own sums. */
const firstDay = (m: MedicationFacts, r: EligibilityRules) =>
  m.lastFilledOn !== null && m.daysSupply !== null
    ? dayNumber(m.lastFilledOn) + m.daysSupply - r.earlyDays
    : null;

/** Each rule on its own, as the clinic states it: true when it refuses. */
const SPEC: Record<Refusal, (m: MedicationFacts, r: EligibilityRules, day: string) => boolean> = {
  not_active: (m) => m.status !== 'active',
  schedule_ii: (m) => m.controlledSchedule === 2,
  controlled: (m, r) =>
    m.controlledSchedule !== null && m.controlledSchedule >= 3 && !r.controlledOnline,
  open_request: (m) => m.hasOpenRequest,
  too_soon: (m, r, day) => {
    const first = firstDay(m, r);
    return first !== null && first > dayNumber(day);
  },
};

const failing = (m: MedicationFacts, r: EligibilityRules, day: string) =>
  REFUSALS.filter((rule) => SPEC[rule](m, r, day));

describe('eligibility', () => {
  it('allows a request exactly when every rule allows it, showing the first rule that refuses', () => {
    fc.assert(
      fc.property(cases, ([m, r, day]) => {
        const result = eligibility(m, r, day);
        const first = failing(m, r, day)[0] ?? null;
        expect(result.refusal).toBe(first);
        if (first === null) {
          expect(result.kind).toBe(m.refillsRemaining === 0 ? 'renewal' : 'refill');
          expect(result.availableOn).toBeNull();
        } else {
          expect(result.kind).toBeNull();
          const fillDay = firstDay(m, r);
          expect(result.availableOn).toBe(
            first === 'too_soon' && fillDay !== null ? dateOf(fillDay) : null,
          );
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('names as availableOn the first day it is allowed: the day before is still too soon', () => {
    fc.assert(
      fc.property(cases, ([drawn, r, day]) => {
        // Nothing else refuses: only the last fill decides.
        const m = { ...drawn, status: 'active', controlledSchedule: null, hasOpenRequest: false };
        const result = eligibility(m, r, day);
        if (result.refusal !== 'too_soon') return;
        const on = result.availableOn;
        expect(on).not.toBeNull();
        if (on === null) return;
        expect(on > day).toBe(true);
        expect(eligibility(m, r, on).refusal).toBeNull();
        expect(eligibility(m, r, dateOf(dayNumber(on) - 1)).refusal).toBe('too_soon');
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses as not_active every status the EHR cannot refill from', () => {
    const m = {
      controlledSchedule: null,
      refillsRemaining: 2,
      lastFilledOn: null,
      daysSupply: null,
      hasOpenRequest: false,
    };
    for (const status of NOT_REFILLABLE)
      expect(
        eligibility({ ...m, status }, { earlyDays: 7, controlledOnline: true }, '2026-03-08'),
      ).toMatchObject({ refusal: 'not_active' });
  });

  it('counts a refill sent as a fill, and a recent one of unknown supply as still open', () => {
    const m: MedicationFacts = {
      status: 'active',
      controlledSchedule: null,
      refillsRemaining: 2,
      lastFilledOn: '2026-01-10',
      daysSupply: 30,
      hasOpenRequest: false,
    };
    expect(withLastSent(m, '2026-03-01', '2026-03-08').lastFilledOn).toBe('2026-03-01');
    expect(withLastSent(m, '2026-01-01', '2026-03-08').lastFilledOn).toBe('2026-01-10');
    expect(withLastSent(m, null, '2026-03-08')).toBe(m);
    const unknown = { ...m, daysSupply: null };
    expect(withLastSent(unknown, '2026-02-07', '2026-03-08').hasOpenRequest).toBe(true);
    expect(withLastSent(unknown, '2026-02-06', '2026-03-08').hasOpenRequest).toBe(false);
  });

  it('never lets schedule II be asked for online, whatever the clinic allows', () => {
    fc.assert(
      fc.property(cases, ([m, r, day]) => {
        const result = eligibility({ ...m, status: 'active', controlledSchedule: 2 }, r, day);
        expect(result.refusal).toBe('schedule_ii');
      }),
    );
  });

  it('treats unknown refills and an unknown last fill as allowing a refill', () => {
    const m: MedicationFacts = {
      status: 'active',
      controlledSchedule: null,
      refillsRemaining: null,
      lastFilledOn: null,
      daysSupply: null,
      hasOpenRequest: false,
    };
    const r = { earlyDays: 7, controlledOnline: true };
    expect(eligibility(m, r, '2026-01-01')).toEqual({
      kind: 'refill',
      refusal: null,
      availableOn: null,
    });
    expect(eligibility({ ...m, lastFilledOn: '2026-01-01' }, r, '2026-01-01').refusal).toBeNull();
    expect(eligibility({ ...m, refillsRemaining: 0 }, r, '2026-01-01').kind).toBe('renewal');
  });

  it('counts calendar days across a leap day', () => {
    const m: MedicationFacts = {
      status: 'active',
      controlledSchedule: 4,
      refillsRemaining: 2,
      lastFilledOn: '2024-02-01',
      daysSupply: 30,
      hasOpenRequest: false,
    };
    const r = { earlyDays: 2, controlledOnline: true };
    expect(eligibility(m, r, '2024-02-28')).toEqual({
      kind: null,
      refusal: 'too_soon',
      availableOn: '2024-02-29',
    });
    expect(eligibility(m, r, '2024-02-29').kind).toBe('refill');
  });
});

describe('controlledSchedule', () => {
  const uncoded = (name: string) => controlledSchedule({ rxnormCode: null, name });

  it('finds a listed code, whatever the text says', () => {
    expect(controlledSchedule({ rxnormCode: '1049621', name: 'Oxycodone 5mg tabs' })).toBe(2);
    expect(controlledSchedule({ rxnormCode: '993781', name: '' })).toBe(3);
    expect(controlledSchedule({ rxnormCode: '835603', name: 'pain tablet' })).toBe(4);
    expect(controlledSchedule({ rxnormCode: '483450', name: '' })).toBe(5);
    expect(controlledSchedule({ rxnormCode: '7804', name: '' })).toBe(2);
  });

  it('falls back on the ingredient named as a word in the text', () => {
    expect(
      controlledSchedule({ rxnormCode: '999999999', name: 'ALPRAZolam 0.5 MG Oral Tablet' }),
    ).toBe(4);
    expect(uncoded('Acetaminophen 325 MG / HYDROcodone Bitartrate 5 MG Oral Tablet')).toBe(2);
    expect(uncoded('Lisdexamfetamine dimesylate 30 MG Oral Capsule')).toBe(2);
    expect(uncoded('Testosterone Cypionate 200 MG/ML Injectable Solution')).toBe(3);
    expect(uncoded('Methyltestosterone 10 MG Oral Capsule')).toBe(3);
    expect(uncoded('Buprenorphine 8 MG / Naloxone 2 MG Sublingual Film')).toBe(3);
    expect(uncoded('zolpidem tartrate 10 MG Oral Tablet')).toBe(4);
    expect(uncoded('Xanax 1 MG')).toBe(4);
    expect(
      uncoded('Atropine Sulfate 0.025 MG / Diphenoxylate Hydrochloride 2.5 MG Oral Tablet'),
    ).toBe(5);
    expect(uncoded('Lacosamide 100 MG Oral Tablet')).toBe(5);
  });

  it('schedules codeine by its preparation', () => {
    expect(uncoded('Codeine Sulfate 30 MG Oral Tablet')).toBe(2);
    expect(uncoded('Acetaminophen 300 MG / Codeine Phosphate 30 MG')).toBe(3);
    expect(uncoded('codeine phosphate 2 MG/ML / guaifenesin 40 MG/ML Oral Solution')).toBe(5);
    // The strictest ingredient wins: codeine in a combination with oxycodone is still II.
    expect(uncoded('Oxycodone 5 MG / Codeine Phosphate 30 MG')).toBe(2);
  });

  it('leaves drugs that are not controlled alone', () => {
    expect(uncoded('Hydrochlorothiazide 25 MG')).toBeNull();
    expect(
      controlledSchedule({ rxnormCode: '316049', name: 'Hydrochlorothiazide 25 MG' }),
    ).toBeNull();
    expect(
      controlledSchedule({ rxnormCode: '197361', name: 'Amlodipine 5 MG Oral Tablet' }),
    ).toBeNull();
    expect(uncoded('Naloxone 4 MG/ACTUAT Nasal Spray')).toBeNull();
    expect(uncoded('Dextromethorphan Hydrobromide 2 MG/ML Oral Solution')).toBeNull();
  });

  it('lists every entry with a numeric code, once, and a schedule II–V', () => {
    const codes = CONTROLLED_CODES.map((c) => c.rxcui);
    expect(new Set(codes).size).toBe(codes.length);
    for (const entry of CONTROLLED_CODES) {
      expect(entry.rxcui).toMatch(/^[0-9]{1,12}$/);
      expect([2, 3, 4, 5]).toContain(entry.schedule);
      expect(controlledSchedule({ rxnormCode: entry.rxcui, name: '' })).toBe(entry.schedule);
    }
    for (const entry of CONTROLLED_NAMES) expect([2, 3, 4, 5]).toContain(entry.schedule);
  });

  it('recognises every listed clinical drug by its name alone, at its schedule', () => {
    for (const entry of CONTROLLED_CODES.filter((c) => c.tty === 'SCD')) {
      expect(uncoded(entry.name), entry.name).toBe(entry.schedule);
    }
  });
});
