import type { Generated } from 'kysely';

export const AUDIT_ACTIONS = [
  'view',
  'create',
  'update',
  'delete',
  'query',
  'export',
  'print',
  'sign_in',
  'sign_out',
  'timeout',
  'lockout',
  'unlock',
  'privilege_change',
  'access_denied',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditTables {
  audit_events: {
    id: Generated<number>;
    occurred_at: Generated<Date>;
    actor_user_id: string | null;
    actor_role: string | null;
    /** The actor's display name when the event was written. */
    actor_name: string | null;
    acting_for_patient_id: string | null;
    action: AuditAction;
    resource_type: string | null;
    resource_id: string | null;
    patient_id: string | null;
    clinic_id: string | null;
    outcome: 'success' | 'failure';
    ip: string | null;
    user_agent: string | null;
    request_id: string | null;
    details: unknown | null;
    xact_id: Generated<string>;
  };
  audit_seals: {
    seq: number;
    event_id: number;
    prev_hash: string;
    hash: string;
    /** Starts again one higher after a restore into a new cluster. */
    era: Generated<number>;
    sealed_at: Generated<Date>;
  };
}
