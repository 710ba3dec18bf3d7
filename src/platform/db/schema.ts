// Kysely's view of the tables. Each module's tables are declared beside it
// and gathered here.
import type { Generated } from 'kysely';
import type { UserTables } from '../../modules/accounts/tables.ts';
import type { ClinicTables } from '../../modules/clinics/tables.ts';
import type { PatientTables } from '../../modules/patients/tables.ts';
import type { AuditTables } from '../audit/tables.ts';
import type { MailTables } from '../mail/tables.ts';

export interface SchemaMigrationsTable {
  version: string;
  name: string;
  checksum: string;
  applied_at: Generated<Date>;
}

export interface Schema extends ClinicTables, UserTables, PatientTables, AuditTables, MailTables {
  schema_migrations: SchemaMigrationsTable;
}
