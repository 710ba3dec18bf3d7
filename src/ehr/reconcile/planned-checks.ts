// Checks waiting for the portal state they compare. The portal has no
// refill tables yet (refills come with their own issue), so this reports
// nothing and is not in the active list in reconcile.ts. It says what it
// will compare; add it to CHECKS when its tables land, with a test that
// edits the EHR behind the portal's back.
import type { CheckContext, CheckResult, DiscrepancyCheck } from './checks.ts';

const nothingYet = async (_ctx: CheckContext): Promise<CheckResult> => ({
  checked: [],
  findings: [],
  errors: 0,
});

/**
 * TODO(refills): for each portal refill request still pending, read its
 * MedicationRequest: status stopped / cancelled / completed / entered-in-error
 * → finding, severity high, suggested take_ehr (close the request and tell
 * the patient). Subject 'RefillRequest/<portal id>'.
 */
export const medicationDiscontinuedCheck: DiscrepancyCheck = {
  type: 'medication_discontinued_with_pending_refill',
  run: nothingYet,
};

export const PLANNED_CHECKS: readonly DiscrepancyCheck[] = [medicationDiscontinuedCheck];
