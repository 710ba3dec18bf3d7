-- Prescription refills as tracked requests: the clinic's pharmacy directory
-- and each patient's preferred pharmacy, the clinic's refill rules and nurse
-- protocols, the requests with their timeline. The database guarantees one
-- open request per patient and medication, whatever the clicks and tabs.

create table pharmacies (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  address text not null check (length(address) between 1 and 300),
  phone text not null check (length(phone) between 3 and 40),
  -- The pharmacy's NCPDP identifier, as e-prescribing names it.
  ncpdp_id text check (ncpdp_id ~ '^[0-9]{7}$'),
  active boolean not null default true,
  created_at timestamptz not null default now()
);
create index pharmacies_clinic on pharmacies (clinic_id, name);

create table patient_pharmacies (
  patient_id uuid primary key references patients (id) on delete cascade,
  pharmacy_id uuid not null references pharmacies (id),
  updated_at timestamptz not null default now()
);

-- Each clinic's rules; a clinic without a row uses the defaults.
create table refill_rules (
  clinic_id uuid primary key references clinics (id) on delete cascade,
  -- A refill may be asked for this many days before the last fill runs out.
  early_days integer not null default 7 check (early_days between 0 and 60),
  -- Schedules III-V by request for the prescriber; schedule II never online.
  controlled_online boolean not null default true,
  -- The clinic's promise: decided within this many business days.
  target_business_days integer not null default 2 check (target_business_days between 1 and 20),
  updated_at timestamptz not null default now()
);

-- Maintenance medications a nurse may approve under the clinic's protocol.
create table refill_protocols (
  clinic_id uuid not null references clinics (id) on delete cascade,
  rxnorm_code text not null check (rxnorm_code ~ '^[0-9]{1,12}$'),
  name text not null check (length(name) between 1 and 200),
  primary key (clinic_id, rxnorm_code)
);

create table refill_requests (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id),
  patient_id uuid not null references patients (id),
  -- The EHR's MedicationRequest asked about, as the portal saw it.
  ehr_medication_request_id text not null check (length(ehr_medication_request_id) between 1 and 200),
  medication_name text not null check (length(medication_name) between 1 and 300),
  rxnorm_code text,
  ehr_prescriber_id text,
  -- refill: refills remain; renewal: none left, the prescriber writes a new order.
  kind text not null check (kind in ('refill', 'renewal')),
  pharmacy_id uuid references pharmacies (id),
  note text check (length(note) <= 1000),
  status text not null default 'requested' check (status in
    ('requested', 'in_review', 'approved', 'denied', 'sent', 'cancelled', 'stopped')),
  -- Routed by triage to a role (nurse or provider), and maybe to one person.
  routed_to text check (routed_to in ('nurse', 'provider')),
  routed_user_id uuid references users (id),
  requested_by uuid not null references users (id),
  decided_by uuid references users (id),
  decided_at timestamptz,
  deny_reason text check (length(deny_reason) <= 1000),
  ehr_task_id text,
  new_ehr_medication_request_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index refill_requests_one_open on refill_requests (patient_id, ehr_medication_request_id)
  where status in ('requested', 'in_review', 'approved');
create index refill_requests_patient on refill_requests (patient_id, created_at desc);
create index refill_requests_queue on refill_requests (clinic_id, created_at)
  where status in ('requested', 'in_review');
create index refill_requests_decided on refill_requests (clinic_id, decided_at)
  where decided_at is not null;

-- The request's timeline: what the patient sees (status changes, questions
-- and answers, the denial reason) and the staff's own notes.
create table refill_events (
  id bigint generated always as identity primary key,
  request_id uuid not null references refill_requests (id) on delete cascade,
  kind text not null check (kind in ('requested', 'note', 'question', 'answer', 'routed',
    'in_review', 'approved', 'denied', 'sent', 'cancelled', 'stopped')),
  for_patient boolean not null,
  text text check (length(text) <= 2000),
  actor_user_id uuid references users (id),
  created_at timestamptz not null default now()
);
create index refill_events_request on refill_events (request_id, id);
