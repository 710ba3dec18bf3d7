import type { Generated } from 'kysely';

export const OUTBOX_STATUSES = [
  'pending',
  'sending',
  'confirmed',
  'failed',
  'dead',
  'discarded',
] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export interface OutboxTables {
  ehr_outbox: {
    id: Generated<string>;
    kind: string;
    patient_id: string | null;
    clinic_id: string;
    idempotency_key: string;
    /** The FHIR resource (or the kind's own instructions) to send. */
    payload: unknown;
    status: Generated<OutboxStatus>;
    attempts: Generated<number>;
    next_attempt_at: Generated<Date>;
    last_error: string | null;
    ehr_resource_type: string | null;
    ehr_id: string | null;
    ehr_version: string | null;
    note: string | null;
    handled_by: string | null;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
    confirmed_at: Date | null;
  };
}
