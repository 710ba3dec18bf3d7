// What the front desk marks on the day: the patient arrived (on the visit's
// day in the clinic's zone, while the appointment stands, or after a no-show
// mark when they come late), did not come (once the start has passed), or
// the visit is completed (after arrival). Pure, so the day view's buttons and
// the route decide alike.
import { localDate } from '../../platform/time/zoned-time.ts';
import type { AppointmentStatus } from './tables.ts';

export const VISIT_OUTCOMES = ['arrived', 'no_show', 'completed'] as const;
export type VisitOutcome = (typeof VISIT_OUTCOMES)[number];

export const OUTCOME_REFUSALS = [
  'already',
  'not_approved',
  'closed',
  'has_arrived',
  'not_today',
  'not_started',
  'not_arrived',
] as const;
export type OutcomeRefusal = (typeof OUTCOME_REFUSALS)[number];

/** Why the outcome may not be marked now, or null when it may. */
export function outcomeRefusal(f: {
  now: Date;
  startsAt: Date;
  timeZone: string;
  status: AppointmentStatus;
  outcome: VisitOutcome;
}): OutcomeRefusal | null {
  if (f.status === f.outcome) return 'already';
  if (f.outcome === 'completed') return f.status === 'arrived' ? null : 'not_arrived';
  if (f.status === 'requested') return 'not_approved';
  if (f.status === 'arrived') return 'has_arrived';
  const expected = ['confirming', 'booked', 'checked_in'].includes(f.status);
  if (f.outcome === 'arrived') {
    if (!expected && f.status !== 'no_show') return 'closed';
    const today = localDate(f.timeZone, f.now.getTime());
    return localDate(f.timeZone, f.startsAt.getTime()) === today ? null : 'not_today';
  }
  if (!expected) return 'closed';
  return f.startsAt <= f.now ? null : 'not_started';
}

export const OUTCOME_MESSAGES: Record<OutcomeRefusal, string> = {
  already: 'The appointment already has that status.',
  not_approved: 'This is a request waiting for approval. Approve it first.',
  closed: 'This appointment is cancelled, declined, not booked or already closed.',
  has_arrived: 'The patient has already arrived. Mark the visit completed instead.',
  not_today: 'A patient can be marked arrived only on the day of the visit.',
  not_started: 'A no-show can be marked only once the visit start time has passed.',
  not_arrived: 'Mark the patient arrived before completing the visit.',
};
