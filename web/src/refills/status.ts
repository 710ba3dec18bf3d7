// A refill request's status: its badge colour, and where it stands on the
// way requested → in review → approved/denied → sent to pharmacy.
import {
  REFILL_STATUSES,
  type RefillStatus,
  UNDECIDED,
} from '../../../src/modules/refills/tables.ts';
import type { Tone } from '../appointments/status.ts';
import type { RefillRequest } from './types.ts';

export { REFILL_STATUSES };

const TONES: Record<RefillStatus, Tone> = {
  requested: 'invited',
  in_review: 'invited',
  approved: 'active',
  sent: 'active',
  denied: 'locked',
  cancelled: 'none',
  stopped: 'locked',
};

export const refillTone = (status: RefillStatus): Tone => TONES[status];

/** Still waiting for the clinic's decision: the patient may still cancel. */
export const isUndecided = (status: RefillStatus) => UNDECIDED.includes(status);

export type Step = 'requested' | 'in_review' | 'decided' | 'sent';
export type StepState = 'done' | 'current' | 'upcoming';

export interface TimelineStep {
  step: Step;
  state: StepState;
  /** For the decided step: how it ended (approved, denied, cancelled, stopped); null while undecided. */
  outcome: RefillStatus | null;
  /** When it happened, from the request's events. */
  at: string | null;
}

const lastAt = (r: Pick<RefillRequest, 'events'>, kinds: readonly string[]) =>
  r.events.filter((e) => kinds.includes(e.kind)).at(-1)?.at ?? null;

const ENDINGS: readonly RefillStatus[] = ['approved', 'denied', 'cancelled', 'stopped'];
/** Statuses only reachable through a review; cancelled and stopped may come before one. */
const REVIEWED: readonly RefillStatus[] = ['in_review', 'approved', 'denied', 'sent'];

/**
 * The steps and how far the request got. A request that ended without an
 * approval (denied, cancelled, stopped) has no "sent" step to wait for.
 */
export function timeline(
  r: Pick<RefillRequest, 'status' | 'createdAt' | 'decidedAt' | 'events'>,
): TimelineStep[] {
  const s = r.status;
  const reviewed = REVIEWED.includes(s) || lastAt(r, ['in_review']) !== null;
  const ended = s === 'sent' || ENDINGS.includes(s);
  const outcome = s === 'sent' ? 'approved' : ENDINGS.includes(s) ? s : null;
  const steps: TimelineStep[] = [
    { step: 'requested', state: 'done', outcome: null, at: r.createdAt },
    {
      step: 'in_review',
      state: reviewed ? 'done' : s === 'requested' ? 'current' : 'upcoming',
      outcome: null,
      at: lastAt(r, ['in_review']),
    },
    {
      step: 'decided',
      state: ended ? 'done' : s === 'in_review' ? 'current' : 'upcoming',
      outcome,
      at: outcome ? (lastAt(r, [outcome]) ?? r.decidedAt) : null,
    },
  ];
  // Cancelled or stopped before anyone looked: there was no review to show.
  if (ended && !reviewed) steps.splice(1, 1);
  if (outcome === 'approved' || outcome === null)
    steps.push({
      step: 'sent',
      state: s === 'sent' ? 'done' : s === 'approved' ? 'current' : 'upcoming',
      outcome: null,
      at: lastAt(r, ['sent']),
    });
  return steps;
}

/** The care team's question still waiting for the patient's answer, if any. */
export function openQuestion(r: Pick<RefillRequest, 'awaitingAnswer' | 'events'>): string | null {
  if (!r.awaitingAnswer) return null;
  return r.events.filter((e) => e.kind === 'question').at(-1)?.text ?? null;
}
