// Kysely's view of the tables. Each module's tables are declared beside it
// and gathered here.
import type { Generated } from 'kysely';
import type { OutboxTables } from '../../ehr/outbox/tables.ts';
import type { DiscrepancyTables } from '../../ehr/reconcile/tables.ts';
import type { ClinicalCacheTables } from '../../ehr/sync/tables.ts';
import type { UserTables } from '../../modules/accounts/tables.ts';
import type { ClinicTables } from '../../modules/clinics/tables.ts';
import type { MessagingTables } from '../../modules/messaging/tables.ts';
import type { PatientTables } from '../../modules/patients/tables.ts';
import type { RefillTables } from '../../modules/refills/tables.ts';
import type { SchedulingTables } from '../../modules/scheduling/tables.ts';
import type { AuditTables } from '../audit/tables.ts';
import type { MailTables } from '../mail/tables.ts';

export interface SchemaMigrationsTable {
  version: string;
  name: string;
  checksum: string;
  applied_at: Generated<Date>;
}

export interface Schema
  extends ClinicTables,
    UserTables,
    PatientTables,
    AuditTables,
    MailTables,
    ClinicalCacheTables,
    OutboxTables,
    DiscrepancyTables,
    SchedulingTables,
    RefillTables,
    MessagingTables {
  schema_migrations: SchemaMigrationsTable;
}
