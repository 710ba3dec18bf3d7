import type { Generated } from 'kysely';

export interface ClinicalCacheTables {
  clinical_resources: {
    resource_type: string;
    id: string;
    version_id: string | null;
    last_updated: Date | null;
    patient_id: string;
    ehr_patient_id: string;
    occurred_at: Date | null;
    status: string | null;
    category: string | null;
    resource: unknown;
    synced_at: Generated<Date>;
  };
  sync_state: {
    patient_id: string;
    resource_type: string;
    ehr_patient_id: string;
    last_synced_at: Date;
    last_updated_high_water: Date | null;
  };
  sync_quarantine: {
    id: Generated<number>;
    patient_id: string;
    resource_type: string;
    resource_id: string | null;
    resource_key: string;
    reason: string;
    raw: unknown;
    first_seen: Generated<Date>;
    last_seen: Generated<Date>;
    count: Generated<number>;
    resolved_at: Date | null;
  };
  ehr_directory: {
    reference: string;
    display: string;
    synced_at: Generated<Date>;
  };
}
