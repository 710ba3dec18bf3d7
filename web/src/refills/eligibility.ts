// What a patient reads about one medication: whether it can be asked for
// online, and if not, why (texts in refills.<lang>.json under eligibility.*).
import type { MedicationRefill } from './types.ts';

export type EligibilityText =
  | 'refill'
  | 'renewal'
  | 'not_active'
  | 'schedule_ii'
  | 'controlled'
  | 'open_request'
  | 'too_soon';

/** Can go into a request now (the server decides again on submit). */
export const canRequest = (m: Pick<MedicationRefill, 'eligibility'>) =>
  m.eligibility.refusal === null && m.eligibility.kind !== null;

/** Which explanation to show: the refusal when there is one, else refill or renewal. */
export function eligibilityText(m: Pick<MedicationRefill, 'eligibility'>): EligibilityText {
  const { refusal, kind } = m.eligibility;
  if (refusal) return refusal;
  return kind ?? 'not_active';
}

/** The refusals that send the patient to the phone instead. */
export const callsForPhone = (text: EligibilityText) =>
  text === 'schedule_ii' || text === 'controlled';

/** The chosen ids still requestable (a list refetched after a submit may have closed some). */
export const stillChosen = (chosen: ReadonlySet<string>, medications: MedicationRefill[]) =>
  medications.filter((m) => chosen.has(m.id) && canRequest(m));
