-- Clinics of the group, their opening hours, and the people who sign in.

create table clinics (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
  name text not null check (length(name) between 1 and 200),
  time_zone text not null check (time_zone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)+$'),
  phone text not null,
  address_line1 text not null,
  address_line2 text,
  city text not null,
  state text not null,
  postal_code text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Local wall-clock hours; weekday is ISO (1 = Monday .. 7 = Sunday).
create table clinic_hours (
  clinic_id uuid not null references clinics (id) on delete cascade,
  weekday smallint not null check (weekday between 1 and 7),
  opens time not null,
  closes time not null check (opens < closes),
  primary key (clinic_id, weekday, opens)
);

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (email = lower(email) and position('@' in email) > 1),
  display_name text not null check (length(display_name) between 1 and 200),
  password_hash text,
  created_at timestamptz not null default now()
);
create unique index users_email_key on users (email);

-- A role is held for one clinic, or for the whole group when clinic_id is null.
create table user_roles (
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('patient', 'proxy', 'front_desk', 'nurse', 'provider',
    'clinic_admin', 'compliance_officer', 'support_agent', 'system_admin')),
  clinic_id uuid references clinics (id) on delete cascade,
  granted_at timestamptz not null default now(),
  unique nulls not distinct (user_id, role, clinic_id)
);
