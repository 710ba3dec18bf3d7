-- Identity, sessions, MFA, patients and proxies, mail, and the audit trail.

-- Patients as the portal knows them; the EHR stays the record of clinical data.
create table patients (
  id uuid primary key default gen_random_uuid(),
  given_name text not null check (length(given_name) between 1 and 100),
  family_name text not null check (length(family_name) between 1 and 100),
  birth_date date not null,
  email text check (email = lower(email)),
  phone text,
  created_at timestamptz not null default now()
);

-- Where a patient is registered, with the clinic's record number (MRN).
create table patient_clinics (
  patient_id uuid not null references patients (id) on delete cascade,
  clinic_id uuid not null references clinics (id) on delete cascade,
  mrn text not null,
  registered_at timestamptz not null default now(),
  primary key (patient_id, clinic_id),
  unique (clinic_id, mrn)
);
create index patient_clinics_clinic on patient_clinics (clinic_id);
create index patients_name on patients (lower(family_name), lower(given_name));

alter table users
  add column status text not null default 'active' check (status in ('active', 'disabled')),
  add column language text not null default 'en' check (language in ('en', 'es')),
  add column patient_id uuid unique references patients (id),
  add column password_changed_at timestamptz,
  add column totp_secret text,            -- encrypted with ENCRYPTION_KEY
  add column totp_pending_secret text,    -- encrypted; set during enrolment
  add column totp_enabled_at timestamptz,
  add column totp_last_step bigint,       -- refuses a code used twice
  add column mfa_declined_at timestamptz,
  add column failed_sign_ins integer not null default 0,
  add column locked_until timestamptz;

-- A caregiver acting for a patient, until the grant expires or is revoked.
create table proxy_grants (
  id uuid primary key default gen_random_uuid(),
  proxy_user_id uuid not null references users (id) on delete cascade,
  patient_id uuid not null references patients (id) on delete cascade,
  relationship text not null check (relationship in ('parent', 'guardian', 'caregiver', 'other')),
  expires_at timestamptz not null,
  granted_by uuid not null references users (id),
  granted_at timestamptz not null default now(),
  revoked_at timestamptz,
  check (expires_at > granted_at)
);
create index proxy_grants_proxy on proxy_grants (proxy_user_id);
create index proxy_grants_patient on proxy_grants (patient_id);

create table activation_codes (
  id uuid primary key default gen_random_uuid(),
  patient_id uuid not null references patients (id) on delete cascade,
  code_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  failed_attempts integer not null default 0,
  created_by uuid not null references users (id),
  created_at timestamptz not null default now()
);
create index activation_codes_patient on activation_codes (patient_id);

-- Server-side sessions; the cookie holds a token, the table only its hash.
create table sessions (
  id uuid primary key default gen_random_uuid(),
  token_hash text not null unique,
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  idle_minutes integer not null check (idle_minutes > 0),
  mfa_verified_at timestamptz,
  reauthenticated_at timestamptz,
  acting_for_patient_id uuid references patients (id),
  ip text,
  user_agent text,
  ended_at timestamptz,
  end_reason text check (end_reason in ('sign_out', 'timeout', 'expired', 'sign_out_everywhere',
    'password_reset', 'password_change', 'rotated', 'unlocked', 'disabled'))
);
create index sessions_user on sessions (user_id) where ended_at is null;

create table recovery_codes (
  user_id uuid not null references users (id) on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  primary key (user_id, code_hash)
);

create table passkeys (
  id text primary key,                    -- credential id, base64url
  user_id uuid not null references users (id) on delete cascade,
  public_key bytea not null,
  counter bigint not null default 0,
  transports text[] not null default '{}',
  name text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz
);
create index passkeys_user on passkeys (user_id);

-- WebAuthn challenges, each used once within a few minutes.
create table webauthn_challenges (
  id uuid primary key default gen_random_uuid(),
  challenge text not null,
  user_id uuid references users (id) on delete cascade,
  purpose text not null check (purpose in ('register', 'authenticate')),
  expires_at timestamptz not null
);

-- Failed sign-ins per key ('email:<address>' or 'ip:<address>'), for back-off.
create table sign_in_throttle (
  key text primary key,
  failures integer not null default 0,
  last_failure_at timestamptz not null default now(),
  locked_until timestamptz
);

-- Single-use e-mailed links: password reset, e-mail change.
create table one_time_tokens (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  purpose text not null check (purpose in ('password_reset', 'email_change')),
  new_email text,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);

-- Outgoing mail, written in the action's transaction and sent by a job.
-- Without SMTP it stays here as the development mailbox.
create table mail_outbox (
  id uuid primary key default gen_random_uuid(),
  to_address text not null,
  subject text not null,
  body text,                               -- cleared once sent
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  attempts integer not null default 0,
  last_error text
);

-- The audit trail (ASTM E2147 elements). Append-only; a sealer job chains
-- committed rows by hash into audit_seals, off the request's hot path.
create table audit_events (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  actor_user_id uuid,
  actor_role text,
  acting_for_patient_id uuid,
  action text not null check (action in ('view', 'create', 'update', 'delete', 'query', 'export',
    'print', 'sign_in', 'sign_out', 'timeout', 'lockout', 'unlock', 'privilege_change',
    'access_denied')),
  resource_type text,
  resource_id text,
  patient_id uuid,
  clinic_id uuid,
  outcome text not null check (outcome in ('success', 'failure')),
  ip text,
  user_agent text,
  request_id text,
  details jsonb,
  xact_id xid8 not null default pg_current_xact_id()
);
create index audit_events_patient on audit_events (patient_id, occurred_at);
create index audit_events_actor on audit_events (actor_user_id, occurred_at);
create index audit_events_time on audit_events (occurred_at);
create index audit_events_chain on audit_events (xact_id, id);

create table audit_seals (
  seq bigint primary key,
  event_id bigint not null unique references audit_events (id),
  prev_hash text not null,
  hash text not null,
  sealed_at timestamptz not null default now()
);

create function audit_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'the audit trail is append-only: % on % is not allowed', tg_op, tg_table_name
    using errcode = 'insufficient_privilege';
end $$;

-- The database, not the code, sets when and in which transaction a row was written.
create function audit_stamp() returns trigger language plpgsql as $$
begin
  new.occurred_at := now();
  new.xact_id := pg_current_xact_id();
  return new;
end $$;

create trigger audit_events_stamp before insert on audit_events
  for each row execute function audit_stamp();
create trigger audit_events_append_only before update or delete on audit_events
  for each row execute function audit_append_only();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_append_only();
create trigger audit_seals_append_only before update or delete on audit_seals
  for each row execute function audit_append_only();
create trigger audit_seals_no_truncate before truncate on audit_seals
  for each statement execute function audit_append_only();
