-- Each instance keeps the answers to recent slot searches in memory for a
-- while (src/modules/scheduling/open-times-memory.ts). Whatever changes which
-- times a clinic has open is announced here on `open_times_change`, whoever
-- makes the change, so every instance forgets (or mends) those answers at
-- once. Changes that leave open times as they were (a slot seen again by the
-- sync, an appointment checked in) are not announced. The notice says:
--   "<clinic>"                      the clinic's times: its calendar, a visit
--                                   type's rules, who is registered there
--   "<clinic> <provider>"           one provider's times: a slot came, went,
--                                   moved or was freed; an appointment was
--                                   released; the provider or whom they see
--   "<clinic> <provider> <slot> held"   a hold was taken or let go
--   "<clinic> <provider> <slot> taken"  an appointment took the slot, or the
--                                   EHR marked it busy
-- A transaction that notifies commits in turn with the others that do
-- (bench/RESULTS.md has what that costs a booking).

-- An update is announced for the row as it was and as it is (a slot moved to
-- another provider changes both providers' times).
create function announce_open_times_change() returns trigger language plpgsql as $$
declare
  r jsonb;
  said text;
begin
  foreach r in array array_remove(array[to_jsonb(old), to_jsonb(new)], null) loop
    said := case tg_table_name
      when 'clinics' then r ->> 'id'
      when 'patient_clinics' then r ->> 'clinic_id'
      when 'visit_types' then r ->> 'clinic_id'
      when 'providers' then (r ->> 'clinic_id') || ' ' || (r ->> 'id')
      when 'visit_type_providers' then
        (select clinic_id || ' ' || id from providers where id = (r ->> 'provider_id')::uuid)
      when 'slot_holds' then
        (select clinic_id || ' ' || provider_id || ' ' || id || ' held' from slots
          where id = (r ->> 'slot_id')::bigint)
      else (r ->> 'clinic_id') || ' ' || (r ->> 'provider_id') end;
    perform pg_notify('open_times_change', coalesce(said, '*'));
  end loop;
  return null;
end $$;

-- A slot taken: answers that list it only lose it.
create function announce_slot_taken() returns trigger language plpgsql as $$
begin
  perform pg_notify('open_times_change', new.clinic_id || ' ' || new.provider_id || ' '
    || (to_jsonb(new) ->> case tg_table_name when 'slots' then 'id' else 'slot_id' end) || ' taken');
  return null;
end $$;

create trigger clinics_open_times after update or delete on clinics for each row
  execute function announce_open_times_change();
create trigger patient_clinics_open_times after insert or update or delete on patient_clinics
  for each row execute function announce_open_times_change();
create trigger providers_open_times after update on providers for each row
  when ((old.clinic_id, old.display_name, old.active)
    is distinct from (new.clinic_id, new.display_name, new.active))
  execute function announce_open_times_change();
create trigger providers_gone_open_times after delete on providers for each row
  execute function announce_open_times_change();
create trigger visit_types_open_times after update or delete on visit_types for each row
  execute function announce_open_times_change();
create trigger visit_type_providers_open_times after insert or update or delete
  on visit_type_providers for each row execute function announce_open_times_change();

create trigger slots_taken_open_times after update on slots for each row
  when (old.free and not new.free and (old.clinic_id, old.provider_id, old.starts_at, old.ends_at)
    is not distinct from (new.clinic_id, new.provider_id, new.starts_at, new.ends_at))
  execute function announce_slot_taken();
create trigger slots_open_times after update on slots for each row
  when ((old.clinic_id, old.provider_id, old.starts_at, old.ends_at, old.free)
    is distinct from (new.clinic_id, new.provider_id, new.starts_at, new.ends_at, new.free)
    and not (old.free and not new.free and (old.clinic_id, old.provider_id, old.starts_at,
      old.ends_at) is not distinct from (new.clinic_id, new.provider_id, new.starts_at, new.ends_at)))
  execute function announce_open_times_change();
create trigger slots_come_and_go_open_times after insert or delete on slots for each row
  execute function announce_open_times_change();
create trigger slot_holds_open_times after insert or update or delete on slot_holds for each row
  execute function announce_open_times_change();

create trigger appointments_made_open_times after insert on appointments for each row
  when (new.status not in ('cancelled', 'declined', 'not_booked'))
  execute function announce_slot_taken();
create trigger appointments_open_times after update on appointments for each row
  when (old.slot_id is distinct from new.slot_id
    or (old.status in ('cancelled', 'declined', 'not_booked'))
      is distinct from (new.status in ('cancelled', 'declined', 'not_booked')))
  execute function announce_open_times_change();
create trigger appointments_gone_open_times after delete on appointments for each row
  execute function announce_open_times_change();
