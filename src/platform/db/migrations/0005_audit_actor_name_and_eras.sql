-- The actor's name as it was when the event was written, so renaming an
-- account later cannot rewrite who did what; and the era of each seal, so a
-- restore into a new cluster (where transaction ids start lower) goes on
-- sealing in a new era instead of leaving new events below the sealed head.
alter table audit_events add column actor_name text;
alter table audit_seals add column era integer not null default 0 check (era >= 0);
