-- Write-back to the EHR through a transactional outbox, and the discrepancy
-- desk where staff settle differences between the portal and the EHR.

-- One change for the EHR per row, written in the transaction of the portal's
-- own change. A worker sends it with the idempotency key (sent to the EHR as
-- an identifier and If-None-Exist), so a retried send never makes two.
create table ehr_outbox (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind ~ '^[a-z][a-z_]*(\.[a-z_]+)+$'),
  patient_id uuid references patients (id) on delete cascade,
  clinic_id uuid not null references clinics (id) on delete cascade,
  idempotency_key text not null unique check (length(idempotency_key) between 1 and 200),
  payload jsonb not null,
  status text not null default 'pending'
    check (status in ('pending', 'sending', 'confirmed', 'failed', 'dead', 'discarded')),
  attempts integer not null default 0 check (attempts >= 0),
  -- When the row is due; while 'sending' it is the end of the sender's lease.
  next_attempt_at timestamptz not null default now(),
  last_error text check (length(last_error) <= 500),
  ehr_resource_type text,
  ehr_id text,
  ehr_version text,
  -- Why an administrator discarded it, and who last retried or discarded it.
  note text check (length(note) <= 1000),
  handled_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  confirmed_at timestamptz,
  check ((status = 'confirmed') = (confirmed_at is not null)),
  check (status <> 'discarded' or note is not null)
);
create index ehr_outbox_due on ehr_outbox (next_attempt_at)
  where status in ('pending', 'sending', 'failed');
create index ehr_outbox_patient on ehr_outbox (patient_id, created_at)
  where status in ('pending', 'sending', 'failed', 'dead');
create index ehr_outbox_desk on ehr_outbox (clinic_id, status, created_at);

-- A difference between the portal and the EHR, with both versions and a
-- suggested action. At most one open discrepancy per type and subject (the
-- thing it is about, e.g. 'Patient/<portal id>'): a reconcile run that sees
-- it again only moves last_seen.
create table discrepancies (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  patient_id uuid references patients (id) on delete cascade,
  type text not null check (type in ('appointment_missing_in_ehr', 'appointment_changed_in_ehr',
    'slot_booked_in_ehr', 'medication_discontinued_with_pending_refill', 'demographics_changed')),
  subject_key text not null check (length(subject_key) between 1 and 200),
  severity text not null check (severity in ('low', 'medium', 'high')),
  portal_version jsonb,
  ehr_version jsonb,
  -- The EHR resource and the versionId seen, so pushing the portal's version
  -- back can use If-Match and never overwrite a newer change unseen.
  ehr_reference text,
  ehr_version_id text,
  suggested_action text not null check (suggested_action in ('take_ehr', 'push_portal', 'review')),
  status text not null default 'open' check (status in ('open', 'resolved', 'dismissed')),
  -- 'cleared': a later run found both sides agree again.
  resolution text check (resolution in ('take_ehr', 'push_portal', 'dismiss', 'cleared')),
  note text check (length(note) <= 1000),
  resolved_by uuid references users (id),
  resolved_at timestamptz,
  outbox_id uuid references ehr_outbox (id),
  first_seen timestamptz not null default now(),
  last_seen timestamptz not null default now(),
  check ((status = 'open') = (resolved_at is null)),
  check ((status = 'open') = (resolution is null)),
  check (status <> 'dismissed' or length(trim(note)) > 0)
);
create unique index discrepancies_one_open on discrepancies (type, subject_key)
  where status = 'open';
create index discrepancies_desk on discrepancies (clinic_id, status, last_seen desc);
