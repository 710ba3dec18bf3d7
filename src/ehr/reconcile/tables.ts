import type { Generated } from 'kysely';

export const DISCREPANCY_TYPES = [
  'appointment_missing_in_ehr',
  'appointment_changed_in_ehr',
  'slot_booked_in_ehr',
  'medication_discontinued_with_pending_refill',
  'demographics_changed',
] as const;
export type DiscrepancyType = (typeof DISCREPANCY_TYPES)[number];

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SUGGESTED_ACTIONS = ['take_ehr', 'push_portal', 'review'] as const;
export type SuggestedAction = (typeof SUGGESTED_ACTIONS)[number];

export const DISCREPANCY_STATUSES = ['open', 'resolved', 'dismissed'] as const;
export type DiscrepancyStatus = (typeof DISCREPANCY_STATUSES)[number];

export const RESOLUTIONS = ['take_ehr', 'push_portal', 'dismiss', 'cleared'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export interface DiscrepancyTables {
  discrepancies: {
    id: Generated<string>;
    clinic_id: string;
    patient_id: string | null;
    type: DiscrepancyType;
    subject_key: string;
    severity: Severity;
    portal_version: unknown | null;
    ehr_version: unknown | null;
    ehr_reference: string | null;
    ehr_version_id: string | null;
    suggested_action: SuggestedAction;
    status: Generated<DiscrepancyStatus>;
    resolution: Resolution | null;
    note: string | null;
    resolved_by: string | null;
    resolved_at: Date | null;
    outbox_id: string | null;
    first_seen: Generated<Date>;
    last_seen: Generated<Date>;
  };
}
