-- Mail retries, the language of mail to patients without an account yet,
-- and counters that limit how often a public form may be tried.

-- When the sender may try a message next: later after every failure.
alter table mail_outbox add column next_attempt_at timestamptz not null default now();
create index mail_outbox_pending on mail_outbox (next_attempt_at)
  where sent_at is null and body is not null;

-- Activation letters and mails go out before the patient has an account.
alter table patients
  add column language text not null default 'en' check (language in ('en', 'es'));

-- Attempts per key in a fixed window (activation by IP, reset links by
-- e-mail and IP). The key is hashed so no address is kept here.
create table request_limits (
  key_hash text primary key,
  window_started_at timestamptz not null default now(),
  attempts integer not null default 0
);
