// Checks waiting for the portal state they compare. The portal has no
// appointment or refill tables yet (scheduling and refills come with their
// own issues), so these report nothing and are not in the active list in
// reconcile.ts. Each says what it will compare; add it to CHECKS when its
// tables land, with a test that edits the EHR behind the portal's back.
import type { CheckContext, CheckResult, DiscrepancyCheck } from './checks.ts';

const nothingYet = async (_ctx: CheckContext): Promise<CheckResult> => ({
  checked: [],
  findings: [],
  errors: 0,
});

/**
 * TODO(scheduling): for each portal appointment that the outbox confirmed
 * (ehr_outbox.ehr_id set) and that is still upcoming and active in the
 * portal, read Appointment/<ehr id>. Missing (404/410) → finding, severity
 * high, suggested push_portal (book again through the outbox, new
 * idempotency key). Subject 'Appointment/<portal id>'.
 */
export const appointmentMissingCheck: DiscrepancyCheck = {
  type: 'appointment_missing_in_ehr',
  run: nothingYet,
};

/**
 * TODO(scheduling): same appointments; the EHR's status is cancelled /
 * noshow / entered-in-error, or its start, end or practitioner differ from
 * the portal's → finding with both versions (status, start, end, practitioner),
 * severity high when cancelled, medium when moved; suggested take_ehr (the
 * patient is told by the scheduling feature). Subject 'Appointment/<portal id>'.
 */
export const appointmentChangedCheck: DiscrepancyCheck = {
  type: 'appointment_changed_in_ehr',
  run: nothingYet,
};

/**
 * TODO(scheduling): for slots the portal offers as free in the next days,
 * search Slot?schedule=…&start=ge…&status=busy (and Appointments in the same
 * window): a slot busy in the EHR that the portal thought free, or a portal
 * booking whose slot holds another patient's appointment → finding, severity
 * high, suggested review (staff call the patient). Subject 'Slot/<ehr id>'.
 */
export const slotBookedCheck: DiscrepancyCheck = {
  type: 'slot_booked_in_ehr',
  run: nothingYet,
};

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

export const PLANNED_CHECKS: readonly DiscrepancyCheck[] = [
  appointmentMissingCheck,
  appointmentChangedCheck,
  slotBookedCheck,
  medicationDiscontinuedCheck,
];
