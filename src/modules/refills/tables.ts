import type { Generated } from 'kysely';

export const REFILL_STATUSES = [
  'requested',
  'in_review',
  'approved',
  'denied',
  'sent',
  'cancelled',
  'stopped',
] as const;
export type RefillStatus = (typeof REFILL_STATUSES)[number];
/** Still to be decided or sent: one at a time per medication (refill_requests_one_open). */
export const OPEN: readonly RefillStatus[] = ['requested', 'in_review', 'approved'];
/** Waiting for the clinic's decision: what the queue shows. */
export const UNDECIDED: readonly RefillStatus[] = ['requested', 'in_review'];

/**
 * The EHR's MedicationRequest statuses after which a prescription can no
 * longer be refilled: sending refuses them (writeback.ts), reconcile flags
 * requests pending on them (refill-checks.ts), and eligibility (rules.ts)
 * refuses them as not_active with every other status but 'active'.
 */
export const NOT_REFILLABLE = [
  'stopped',
  'cancelled',
  'completed',
  'entered-in-error',
  'on-hold',
] as const;
export const notRefillable = (status: string) =>
  (NOT_REFILLABLE as readonly string[]).includes(status);

export const REFILL_KINDS = ['refill', 'renewal'] as const;
export type RefillKind = (typeof REFILL_KINDS)[number];

export const REFILL_EVENT_KINDS = [
  'requested',
  'note',
  'question',
  'answer',
  'routed',
  'in_review',
  'approved',
  'denied',
  'sent',
  'cancelled',
  'stopped',
] as const;
export type RefillEventKind = (typeof REFILL_EVENT_KINDS)[number];

export const ROUTED_TO = ['nurse', 'provider'] as const;
export type RoutedTo = (typeof ROUTED_TO)[number];

export interface RefillTables {
  pharmacies: {
    id: Generated<string>;
    clinic_id: string;
    name: string;
    address: string;
    phone: string;
    ncpdp_id: string | null;
    active: Generated<boolean>;
    created_at: Generated<Date>;
  };
  patient_pharmacies: {
    patient_id: string;
    pharmacy_id: string;
    updated_at: Generated<Date>;
  };
  refill_rules: {
    clinic_id: string;
    early_days: Generated<number>;
    controlled_online: Generated<boolean>;
    target_business_days: Generated<number>;
    updated_at: Generated<Date>;
  };
  refill_protocols: {
    clinic_id: string;
    rxnorm_code: string;
    name: string;
  };
  refill_requests: {
    id: Generated<string>;
    clinic_id: string;
    patient_id: string;
    ehr_medication_request_id: string;
    medication_name: string;
    rxnorm_code: string | null;
    ehr_prescriber_id: string | null;
    kind: RefillKind;
    pharmacy_id: string | null;
    note: string | null;
    status: Generated<RefillStatus>;
    routed_to: RoutedTo | null;
    routed_user_id: string | null;
    requested_by: string;
    decided_by: string | null;
    decided_at: Date | null;
    deny_reason: string | null;
    ehr_task_id: string | null;
    new_ehr_medication_request_id: string | null;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  refill_events: {
    id: Generated<number>;
    request_id: string;
    kind: RefillEventKind;
    for_patient: boolean;
    text: string | null;
    actor_user_id: string | null;
    created_at: Generated<Date>;
  };
}
