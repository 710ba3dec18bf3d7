-- Appointment self-scheduling: providers, visit types with their booking
-- rules, the slot inventory copied from the EHR, holds, appointments,
-- the waitlist, reminders and check-in. The database itself guarantees that
-- a slot has at most one live appointment and that a patient never has two
-- overlapping ones; code checks the same rules first only to explain them.
create extension if not exists btree_gist;

-- A clinician whose EHR Schedule the portal books into.
create table providers (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  ehr_schedule_id text not null unique check (length(ehr_schedule_id) between 1 and 200),
  ehr_practitioner_id text not null check (length(ehr_practitioner_id) between 1 and 200),
  display_name text not null check (length(display_name) between 1 and 200),
  active boolean not null default true,
  updated_at timestamptz not null default now()
);
create index providers_clinic on providers (clinic_id, display_name);

-- What a patient can book at a clinic, and the clinic's rules for it.
create table visit_types (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  code text not null check (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
  name_en text not null check (length(name_en) between 1 and 100),
  name_es text not null check (length(name_es) between 1 and 100),
  -- online: booked at once; request: staff approve; offline: call the clinic.
  booking text not null default 'online' check (booking in ('online', 'request', 'offline')),
  patients text not null default 'all' check (patients in ('all', 'new', 'established')),
  mode text not null default 'in_person' check (mode in ('in_person', 'video', 'either')),
  min_lead_minutes integer not null default 120 check (min_lead_minutes between 0 and 43200),
  max_days_ahead integer not null default 60 check (max_days_ahead between 1 and 365),
  change_cutoff_hours integer not null default 24 check (change_cutoff_hours between 0 and 336),
  max_future_bookings integer not null default 3 check (max_future_bookings between 1 and 50),
  -- A FHIR R4 Questionnaire asked at check-in, or none.
  questionnaire jsonb,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (clinic_id, code)
);

-- Which providers offer a visit type.
create table visit_type_providers (
  visit_type_id uuid not null references visit_types (id) on delete cascade,
  provider_id uuid not null references providers (id) on delete cascade,
  primary key (visit_type_id, provider_id)
);
create index visit_type_providers_provider on visit_type_providers (provider_id);

-- The EHR's slots as last seen. 'free' is the EHR's word; whether the portal
-- has booked it is whether a live appointment points at it.
create table slots (
  id bigint generated always as identity primary key,
  clinic_id uuid not null references clinics (id) on delete cascade,
  provider_id uuid not null references providers (id) on delete cascade,
  ehr_slot_id text not null unique check (length(ehr_slot_id) between 1 and 200),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  free boolean not null default true,
  seen_at timestamptz not null default now(),
  check (ends_at > starts_at)
);
create index slots_provider_start on slots (provider_id, starts_at) where free;
create index slots_clinic_start on slots (clinic_id, starts_at) where free;

-- A patient keeping a slot for a few minutes while they confirm. One hold
-- per slot; a later holder may take it once it has expired.
create table slot_holds (
  slot_id bigint primary key references slots (id) on delete cascade,
  patient_id uuid not null references patients (id) on delete cascade,
  visit_type_id uuid not null references visit_types (id) on delete cascade,
  expires_at timestamptz not null
);
create index slot_holds_patient on slot_holds (patient_id);

create table appointments (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  patient_id uuid not null references patients (id) on delete cascade,
  provider_id uuid not null references providers (id),
  visit_type_id uuid not null references visit_types (id),
  slot_id bigint not null references slots (id),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  mode text not null check (mode in ('in_person', 'video')),
  -- requested: waiting for staff; confirming: on its way to the EHR;
  -- booked: the EHR confirmed; not_booked: the EHR refused the time.
  status text not null check (status in ('requested', 'confirming', 'booked', 'checked_in',
    'arrived', 'completed', 'no_show', 'cancelled', 'declined', 'not_booked')),
  booked_by uuid references users (id),
  booked_by_staff boolean not null default false,
  rescheduled_from uuid references appointments (id),
  ehr_appointment_id text,
  cancel_reason text check (length(cancel_reason) <= 500),
  cancelled_by uuid references users (id),
  cancelled_at timestamptz,
  checked_in_at timestamptz,
  arrived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_at > starts_at),
  check ((status in ('cancelled', 'declined')) = (cancelled_at is not null))
);
-- The two promises, kept by the database whatever the code does.
create unique index appointments_one_per_slot on appointments (slot_id)
  where status not in ('cancelled', 'declined', 'not_booked');
alter table appointments add constraint appointments_no_overlap exclude using gist
  (patient_id with =, tstzrange(starts_at, ends_at) with &&)
  where (status not in ('cancelled', 'declined', 'not_booked'));
create index appointments_patient on appointments (patient_id, starts_at);
create index appointments_clinic_day on appointments (clinic_id, starts_at);
create index appointments_requests on appointments (clinic_id, created_at)
  where status = 'requested';

-- A patient with a booking asking for an earlier time.
create table waitlist_entries (
  id uuid primary key default gen_random_uuid(),
  appointment_id uuid not null references appointments (id) on delete cascade,
  patient_id uuid not null references patients (id) on delete cascade,
  clinic_id uuid not null references clinics (id) on delete cascade,
  visit_type_id uuid not null references visit_types (id),
  -- null: any provider who offers the visit type.
  provider_id uuid references providers (id),
  status text not null default 'waiting'
    check (status in ('waiting', 'accepted', 'cancelled', 'ended')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index waitlist_one_per_appointment on waitlist_entries (appointment_id)
  where status = 'waiting';
create index waitlist_waiting on waitlist_entries (clinic_id, visit_type_id, created_at)
  where status = 'waiting';

-- A freed slot offered to a waitlisted patient; the first to accept gets it.
create table waitlist_offers (
  id uuid primary key default gen_random_uuid(),
  entry_id uuid not null references waitlist_entries (id) on delete cascade,
  slot_id bigint not null references slots (id) on delete cascade,
  expires_at timestamptz not null,
  status text not null default 'open' check (status in ('open', 'accepted', 'declined', 'taken')),
  created_at timestamptz not null default now(),
  unique (entry_id, slot_id)
);
create index waitlist_offers_open on waitlist_offers (slot_id) where status = 'open';

-- Reminders sent, one row per appointment and offset, so none goes twice.
create table appointment_reminders (
  appointment_id uuid not null references appointments (id) on delete cascade,
  hours_before integer not null check (hours_before between 1 and 720),
  sent_at timestamptz not null default now(),
  primary key (appointment_id, hours_before)
);

-- What the patient told us at check-in: changes staff review before anything
-- reaches the EHR, and the answers to the visit type's questionnaire.
create table appointment_checkins (
  appointment_id uuid primary key references appointments (id) on delete cascade,
  changes jsonb not null,
  questionnaire_response jsonb,
  submitted_by uuid references users (id),
  submitted_at timestamptz not null default now(),
  reviewed_by uuid references users (id),
  reviewed_at timestamptz
);
create index appointment_checkins_review on appointment_checkins (submitted_at)
  where reviewed_at is null;

-- Mail can carry a calendar file (.ics); cleared with the body once sent.
alter table mail_outbox add column attachments jsonb;
