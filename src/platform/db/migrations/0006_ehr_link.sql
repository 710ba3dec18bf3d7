-- A portal patient's record in the EHR: the EHR's Patient id (bare, without
-- "Patient/"), set when staff link the patient by MRN or the demo data is
-- seeded from the demo EHR. Unlinked patients have none; one EHR record
-- belongs to at most one portal patient.
alter table patients add column ehr_patient_id text unique;
