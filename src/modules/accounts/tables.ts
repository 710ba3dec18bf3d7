import type { Generated } from 'kysely';

export const ROLES = [
  'patient',
  'proxy',
  'front_desk',
  'nurse',
  'provider',
  'clinic_admin',
  'compliance_officer',
  'support_agent',
  'system_admin',
] as const;
export type Role = (typeof ROLES)[number];

/** Everyone but patients and their proxies works for the clinic group. */
export const STAFF_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'patient' && r !== 'proxy');

export type SessionEndReason =
  | 'sign_out'
  | 'timeout'
  | 'expired'
  | 'sign_out_everywhere'
  | 'password_reset'
  | 'password_change'
  | 'rotated'
  | 'unlocked'
  | 'disabled'
  | 'mfa_failed';

export interface UserTables {
  users: {
    id: Generated<string>;
    email: string;
    display_name: string;
    password_hash: string | null;
    created_at: Generated<Date>;
    status: Generated<'active' | 'disabled'>;
    language: Generated<'en' | 'es'>;
    patient_id: string | null;
    password_changed_at: Date | null;
    totp_secret: string | null;
    totp_pending_secret: string | null;
    totp_enabled_at: Date | null;
    totp_last_step: number | null;
    mfa_declined_at: Date | null;
    failed_sign_ins: Generated<number>;
    locked_until: Date | null;
    /** E-mail when a new message arrives (no content in it). */
    message_email: Generated<boolean>;
  };
  user_roles: {
    user_id: string;
    role: Role;
    clinic_id: string | null;
    granted_at: Generated<Date>;
  };
  sessions: {
    id: Generated<string>;
    token_hash: string;
    user_id: string;
    created_at: Generated<Date>;
    last_seen_at: Generated<Date>;
    expires_at: Date;
    idle_minutes: number;
    mfa_verified_at: Date | null;
    reauthenticated_at: Date | null;
    acting_for_patient_id: string | null;
    ip: string | null;
    user_agent: string | null;
    ended_at: Date | null;
    end_reason: SessionEndReason | null;
    mfa_failures: Generated<number>;
  };
  recovery_codes: { user_id: string; code_hash: string; used_at: Date | null };
  passkeys: {
    id: string;
    user_id: string;
    public_key: Uint8Array;
    counter: number;
    transports: string[];
    name: string;
    created_at: Generated<Date>;
    last_used_at: Date | null;
  };
  webauthn_challenges: {
    id: Generated<string>;
    challenge: string;
    user_id: string | null;
    purpose: 'register' | 'authenticate';
    expires_at: Date;
  };
  sign_in_throttle: {
    key: string;
    failures: number;
    last_failure_at: Generated<Date>;
    locked_until: Date | null;
    window_started_at: Generated<Date>;
  };
  one_time_tokens: {
    token_hash: string;
    user_id: string;
    purpose: 'password_reset' | 'email_change';
    new_email: string | null;
    expires_at: Date;
    used_at: Date | null;
    created_at: Generated<Date>;
  };
  request_limits: {
    key_hash: string;
    window_started_at: Generated<Date>;
    attempts: Generated<number>;
  };
}
