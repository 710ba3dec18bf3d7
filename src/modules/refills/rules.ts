// Whether a medication can be asked for online, and why not: pure functions
// of the facts, so one place decides and explains it (and property tests can
// try every case). The database's one-open-request constraint still decides
// the races these facts cannot see.
import { addDays } from '../../platform/time/zoned-time.ts';
import type { Eligibility } from './model.ts';

export interface MedicationFacts {
  /** The EHR's MedicationRequest.status. */
  status: string;
  controlledSchedule: 2 | 3 | 4 | 5 | null;
  /** null: unknown (treated as refills remaining). */
  refillsRemaining: number | null;
  /** YYYY-MM-DD: the last dispense, or a refill the portal sent since (see withLastSent). */
  lastFilledOn: string | null;
  daysSupply: number | null;
  hasOpenRequest: boolean;
}

export interface EligibilityRules {
  /** Days before the last fill runs out that a refill may be asked for. */
  earlyDays: number;
  /** Schedules III–V may be asked for online (schedule II never). */
  controlledOnline: boolean;
}

/** The first day a refill may be asked for, when the last fill says so. */
export function refillAvailableOn(
  m: Pick<MedicationFacts, 'lastFilledOn' | 'daysSupply'>,
  rules: EligibilityRules,
): string | null {
  if (m.lastFilledOn === null || m.daysSupply === null) return null;
  return addDays(m.lastFilledOn, m.daysSupply - rules.earlyDays);
}

/** How long a refill sent with no known supply keeps the medication from being asked for again. */
export const SENT_NO_SUPPLY_DAYS = 30;

/**
 * The facts with a refill the portal sent on `sentOn` (YYYY-MM-DD) counted as
 * a fill: the pharmacy has the new order but no dispense is recorded yet, so
 * the same drug is not asked for twice. With no known supply, a send in the
 * last SENT_NO_SUPPLY_DAYS days reads as a request still open.
 */
export function withLastSent(
  m: MedicationFacts,
  sentOn: string | null,
  today: string,
): MedicationFacts {
  if (sentOn === null) return m;
  const lastFilledOn = m.lastFilledOn !== null && m.lastFilledOn > sentOn ? m.lastFilledOn : sentOn;
  const recent = addDays(sentOn, SENT_NO_SUPPLY_DAYS) > today;
  return {
    ...m,
    lastFilledOn,
    hasOpenRequest: m.hasOpenRequest || (m.daysSupply === null && recent),
  };
}

const refused = (refusal: Eligibility['refusal'], availableOn: string | null = null) =>
  ({ kind: null, refusal, availableOn }) satisfies Eligibility;

/**
 * Whether the medication may be asked for online today (YYYY-MM-DD, the
 * clinic's calendar date), naming the first rule that refuses, in REFUSALS'
 * order. With no refills left the request is a renewal for the prescriber.
 */
export function eligibility(
  m: MedicationFacts,
  rules: EligibilityRules,
  today: string,
): Eligibility {
  if (m.status !== 'active') return refused('not_active');
  if (m.controlledSchedule === 2) return refused('schedule_ii');
  if (m.controlledSchedule !== null && !rules.controlledOnline) return refused('controlled');
  if (m.hasOpenRequest) return refused('open_request');
  const availableOn = refillAvailableOn(m, rules);
  // Calendar dates as YYYY-MM-DD compare as strings.
  if (availableOn !== null && availableOn > today) return refused('too_soon', availableOn);
  return {
    kind: m.refillsRemaining === 0 ? 'renewal' : 'refill',
    refusal: null,
    availableOn: null,
  };
}
