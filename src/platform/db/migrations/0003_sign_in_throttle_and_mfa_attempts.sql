-- Sign-in throttling per IP counts failures within a window; a session
-- counts wrong second-factor codes and ends after too many.

alter table sign_in_throttle add column window_started_at timestamptz not null default now();

alter table sessions add column mfa_failures integer not null default 0;

alter table sessions drop constraint sessions_end_reason_check;
alter table sessions add constraint sessions_end_reason_check check (end_reason in ('sign_out',
  'timeout', 'expired', 'sign_out_everywhere', 'password_reset', 'password_change', 'rotated',
  'unlocked', 'disabled', 'mfa_failed'));
