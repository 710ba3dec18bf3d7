-- Foreign keys pointing back at appointments need an index on the pointing
-- side, or deleting an appointment (or a patient, by cascade) scans them all.
create index appointments_rescheduled_from on appointments (rescheduled_from)
  where rescheduled_from is not null;
create index waitlist_entries_appointment on waitlist_entries (appointment_id);
