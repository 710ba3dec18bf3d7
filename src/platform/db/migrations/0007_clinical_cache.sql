-- The local clinical cache: what the EHR holds for each linked patient, pulled
-- by the sync (src/ehr/sync) and read by the records API. The EHR stays the
-- system of record; these rows are a copy that can be dropped and refetched.

create table clinical_resources (
  resource_type text not null,
  id text not null,
  version_id text,
  -- meta.lastUpdated as the EHR stamped it (its clock, not ours).
  last_updated timestamptz,
  patient_id uuid not null references patients (id) on delete cascade,
  ehr_patient_id text not null,
  -- Filled at sync time so lists sort and filter without reading the JSON:
  -- the date that matters clinically, the (clinical) status, the Observation category.
  occurred_at timestamptz,
  status text,
  category text,
  resource jsonb not null,
  synced_at timestamptz not null default now(),
  primary key (resource_type, id)
);
create index clinical_resources_patient
  on clinical_resources (patient_id, resource_type, occurred_at desc);

-- Incremental sync: per patient and resource type, when it last ran and the
-- newest meta.lastUpdated seen (the next run asks for _lastUpdated=gt<that>).
create table sync_state (
  patient_id uuid not null references patients (id) on delete cascade,
  resource_type text not null,
  -- The EHR Patient synced: a patient linked to another one is synced afresh.
  ehr_patient_id text not null,
  last_synced_at timestamptz not null,
  last_updated_high_water timestamptz,
  primary key (patient_id, resource_type)
);

-- Resources the EHR sent that we would not cache: malformed, unexpected, or
-- about someone else. One row per resource and reason, counted each time seen.
create table sync_quarantine (
  id bigint generated always as identity primary key,
  patient_id uuid not null references patients (id) on delete cascade,
  resource_type text not null,
  resource_id text,
  -- The resource id, or a hash of the raw JSON when it has no usable id.
  resource_key text not null,
  reason text not null,
  raw jsonb not null,
  first_seen timestamptz not null default now(),
  last_seen timestamptz not null default now(),
  count integer not null default 1 check (count > 0),
  -- Set when a valid version of the same resource arrives later.
  resolved_at timestamptz,
  unique (patient_id, resource_type, resource_key, reason)
);
create index sync_quarantine_open on sync_quarantine (last_seen) where resolved_at is null;

-- Names of the practitioners and organisations that cached resources refer
-- to ("Practitioner/123" → "Dr. Ana Lopez"), so a list can show the prescriber.
create table ehr_directory (
  reference text primary key,
  display text not null,
  synced_at timestamptz not null default now()
);
