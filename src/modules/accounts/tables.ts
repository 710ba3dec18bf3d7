import type { Generated } from 'kysely';

export const ROLES = [
  'patient',
  'proxy',
  'front_desk',
  'nurse',
  'provider',
  'clinic_admin',
  'compliance_officer',
  'support_agent',
  'system_admin',
] as const;
export type Role = (typeof ROLES)[number];

export interface UserTables {
  users: {
    id: Generated<string>;
    email: string;
    display_name: string;
    password_hash: string | null;
    created_at: Generated<Date>;
  };
  user_roles: {
    user_id: string;
    role: Role;
    clinic_id: string | null;
    granted_at: Generated<Date>;
  };
}
