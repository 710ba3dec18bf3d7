-- Secure messaging: threads between a patient and a clinic's care team,
-- routed by topic to a pool of staff; messages and attachments are stored
-- encrypted (AES-256-GCM) under data keys, each wrapped by the master key
-- from configuration, so rotating the master key re-wraps only the keys.

-- Data keys, wrapped (encrypted) by a master key named by master_key_id.
create table data_keys (
  id uuid primary key default gen_random_uuid(),
  wrapped bytea not null,
  master_key_id text not null check (length(master_key_id) between 1 and 64),
  -- The key new data is written with; older ones keep decrypting.
  active boolean not null default true,
  created_at timestamptz not null default now(),
  rewrapped_at timestamptz
);
create unique index data_keys_one_active on data_keys (active) where active;

-- A clinic's pools: which staff roles work each topic, and the reply target.
create table message_pools (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  topic text not null check (topic in ('medical', 'appointment', 'billing', 'refill', 'other')),
  name_en text not null check (length(name_en) between 1 and 100),
  name_es text not null check (length(name_es) between 1 and 100),
  roles text[] not null check (cardinality(roles) between 1 and 6),
  -- The clinic's promise: the first reply within this many business days.
  target_business_days integer not null default 2 check (target_business_days between 1 and 20),
  unique (clinic_id, topic)
);

create table message_threads (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id),
  patient_id uuid not null references patients (id),
  pool_id uuid not null references message_pools (id),
  topic text not null check (topic in ('medical', 'appointment', 'billing', 'refill', 'other')),
  -- The subject, encrypted like the bodies.
  subject bytea not null,
  key_id uuid not null references data_keys (id),
  status text not null default 'new' check (status in ('new', 'in_progress', 'waiting_for_patient', 'closed')),
  assigned_user_id uuid references users (id),
  started_by uuid not null references users (id),
  started_by_staff boolean not null default false,
  created_at timestamptz not null default now(),
  last_message_at timestamptz not null default now(),
  -- When staff first answered: the "time to first reply" measure.
  first_staff_reply_at timestamptz,
  -- Since when a patient's message waits for a staff answer (null: nothing
  -- waits): the clock the pool's reply target is measured by, so a reopened
  -- thread or a later question is due again.
  awaiting_reply_since timestamptz
);
create index message_threads_patient on message_threads (patient_id, last_message_at desc);
create index message_threads_pool on message_threads (pool_id, status, last_message_at);
create index message_threads_clinic on message_threads (clinic_id, created_at);

create table messages (
  id uuid primary key default gen_random_uuid(),
  thread_id uuid not null references message_threads (id) on delete cascade,
  author_user_id uuid not null references users (id),
  -- patient (or a caregiver acting for them) or staff.
  from_staff boolean not null,
  -- Internal notes are for staff only: never in a patient's answer.
  internal boolean not null default false,
  body bytea not null,
  key_id uuid not null references data_keys (id),
  created_at timestamptz not null default now(),
  -- The read receipt: when the other side first opened the thread after it.
  read_at timestamptz,
  ehr_communication_id text
);
create index messages_thread on messages (thread_id, created_at);

create table message_attachments (
  id uuid primary key default gen_random_uuid(),
  -- Whose record it belongs to from the upload on (scope before it is sent).
  patient_id uuid not null references patients (id),
  -- Both null while uploaded but not yet sent with a message.
  thread_id uuid references message_threads (id) on delete cascade,
  message_id uuid references messages (id) on delete cascade,
  uploaded_by uuid not null references users (id),
  media_type text not null check (media_type in
    ('application/pdf', 'image/jpeg', 'image/png', 'image/heic')),
  size_bytes integer not null check (size_bytes between 1 and 10485760),
  -- The file name and the bytes, encrypted.
  file_name bytea not null,
  content bytea not null,
  key_id uuid not null references data_keys (id),
  created_at timestamptz not null default now()
);
create index message_attachments_message on message_attachments (message_id);
create index message_attachments_unsent on message_attachments (uploaded_by, created_at) where message_id is null;

-- How far each person has read each thread: unread counts and receipts.
create table message_reads (
  thread_id uuid not null references message_threads (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  read_at timestamptz not null,
  primary key (thread_id, user_id)
);

-- A message being written, kept across devices (encrypted). thread_id null:
-- a new conversation.
create table message_drafts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  patient_id uuid not null references patients (id) on delete cascade,
  thread_id uuid references message_threads (id) on delete cascade,
  -- A new conversation's choices so far (null for a reply's draft); the
  -- subject sealed like the body.
  clinic_id uuid references clinics (id) on delete cascade,
  topic text check (topic in ('medical', 'appointment', 'billing', 'refill', 'other')),
  subject bytea,
  body bytea not null,
  key_id uuid not null references data_keys (id),
  updated_at timestamptz not null default now()
);
create unique index message_drafts_one on message_drafts
  (user_id, patient_id, coalesce(thread_id, '00000000-0000-0000-0000-000000000000'::uuid));

-- Quick replies with placeholders ({{patientFirstName}}, {{clinicName}}, {{staffName}}).
create table message_templates (
  id uuid primary key default gen_random_uuid(),
  clinic_id uuid not null references clinics (id) on delete cascade,
  name text not null check (length(name) between 1 and 100),
  body_en text not null check (length(body_en) between 1 and 4000),
  body_es text not null check (length(body_es) between 1 and 4000),
  unique (clinic_id, name)
);

alter table users add column message_email boolean not null default true;
