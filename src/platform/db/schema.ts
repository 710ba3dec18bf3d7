// Kysely's view of the tables. Each module's tables are declared beside it
// and gathered here.

import type { UserTables } from '../../modules/accounts/tables.ts';
import type { ClinicTables } from '../../modules/clinics/tables.ts';

export interface SchemaMigrationsTable {
  version: string;
  name: string;
  checksum: string;
  applied_at: import('kysely').Generated<Date>;
}

export interface Schema extends ClinicTables, UserTables {
  schema_migrations: SchemaMigrationsTable;
}
