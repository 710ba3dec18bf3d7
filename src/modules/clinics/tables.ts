import type { Generated } from 'kysely';

export interface ClinicTables {
  clinics: {
    id: Generated<string>;
    slug: string;
    name: string;
    time_zone: string;
    phone: string;
    address_line1: string;
    address_line2: string | null;
    city: string;
    state: string;
    postal_code: string;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  clinic_hours: {
    clinic_id: string;
    weekday: number;
    opens: string;
    closes: string;
  };
}
