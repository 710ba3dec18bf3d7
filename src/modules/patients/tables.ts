import type { Generated } from 'kysely';

export interface PatientTables {
  patients: {
    id: Generated<string>;
    given_name: string;
    family_name: string;
    birth_date: string; // 'YYYY-MM-DD'
    email: string | null;
    phone: string | null;
    created_at: Generated<Date>;
    language: Generated<'en' | 'es'>;
    /** The EHR's Patient id (bare, without "Patient/"); null until linked. */
    ehr_patient_id: string | null;
  };
  patient_clinics: {
    patient_id: string;
    clinic_id: string;
    mrn: string;
    registered_at: Generated<Date>;
  };
  proxy_grants: {
    id: Generated<string>;
    proxy_user_id: string;
    patient_id: string;
    relationship: 'parent' | 'guardian' | 'caregiver' | 'other';
    expires_at: Date;
    granted_by: string;
    granted_at: Generated<Date>;
    revoked_at: Date | null;
  };
  activation_codes: {
    id: Generated<string>;
    patient_id: string;
    code_hash: string;
    expires_at: Date;
    used_at: Date | null;
    revoked_at: Date | null;
    failed_attempts: Generated<number>;
    created_by: string;
    created_at: Generated<Date>;
  };
}
