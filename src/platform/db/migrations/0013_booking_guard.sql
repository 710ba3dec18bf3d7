-- A patient's bookings, one at a time. Booking online is a single statement
-- (no BEGIN and COMMIT round trips), and this guard runs inside it: it takes
-- the patient's lock, then counts their upcoming appointments at the clinic
-- again. It is a function because a function's statements each see what was
-- committed up to that moment, so the count includes a booking that finished
-- while this one waited for the lock; the calling statement's own view is from
-- before the wait. `most` null: only the lock (staff, and moves that checked
-- the count themselves under it).
create function lock_patient_bookings(p_patient uuid, p_clinic uuid, p_most int)
returns boolean language plpgsql volatile as $$
begin
  perform pg_advisory_xact_lock(hashtextextended(p_patient::text, 7401));
  if p_most is not null and (
    select count(*) from appointments a
    where a.patient_id = p_patient and a.clinic_id = p_clinic and a.starts_at > now()
      and a.status in ('requested', 'confirming', 'booked', 'checked_in', 'arrived')
  ) >= p_most then
    raise exception 'too_many_bookings' using errcode = 'P0001';
  end if;
  return true;
end $$;
