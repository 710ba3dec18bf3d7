// What can be booked where: a clinic's visit types (with their rules and
// providers) and providers, for the patient's clinics or a staff member's.

import type { Kysely } from 'kysely';
import type { Static } from 'typebox';
import type { Schema } from '../../platform/db/schema.ts';
import type { ClinicOptions, VisitTypeView } from './model.ts';

type Db = Kysely<Schema>;

export async function clinicOptions(
  db: Db,
  who: { patientId: string } | { clinicIds: string[] | 'all' },
  includeInactive = false,
): Promise<Static<typeof ClinicOptions>[]> {
  const clinics = await db
    .selectFrom('clinics')
    .select(['id', 'name', 'time_zone', 'phone'])
    .$if('patientId' in who, (q) =>
      q.where('id', 'in', (eb) =>
        eb
          .selectFrom('patient_clinics')
          .select('clinic_id')
          .where('patient_id', '=', (who as { patientId: string }).patientId),
      ),
    )
    .$if('clinicIds' in who && who.clinicIds !== 'all', (q) =>
      q.where('id', 'in', [
        ...(who as { clinicIds: string[] }).clinicIds,
        '00000000-0000-0000-0000-000000000000',
      ]),
    )
    .orderBy('name')
    .execute();
  if (clinics.length === 0) return [];
  const ids = clinics.map((c) => c.id);
  const [types, offered, providers] = await Promise.all([
    visitTypes(db, ids, includeInactive),
    db
      .selectFrom('visit_type_providers')
      .innerJoin('visit_types', 'visit_types.id', 'visit_type_providers.visit_type_id')
      .select(['visit_type_id', 'provider_id'])
      .where('visit_types.clinic_id', 'in', ids)
      .execute(),
    db
      .selectFrom('providers')
      .select(['id', 'clinic_id', 'display_name', 'active'])
      .where('clinic_id', 'in', ids)
      .$if(!includeInactive, (q) => q.where('active', '=', true))
      .orderBy('display_name')
      .execute(),
  ]);
  return clinics.map((c) => ({
    clinic: { id: c.id, name: c.name, timeZone: c.time_zone, phone: c.phone },
    visitTypes: types
      .filter((t) => t.clinicId === c.id)
      .map((t) => ({
        ...t,
        providerIds: offered.filter((o) => o.visit_type_id === t.id).map((o) => o.provider_id),
      })),
    providers: providers
      .filter((p) => p.clinic_id === c.id)
      .map((p) => ({ id: p.id, name: p.display_name, active: p.active })),
  }));
}

async function visitTypes(
  db: Db,
  clinicIds: string[],
  includeInactive: boolean,
): Promise<Omit<VisitTypeView, 'providerIds'>[]> {
  const rows = await db
    .selectFrom('visit_types')
    .selectAll()
    .where('clinic_id', 'in', clinicIds)
    .$if(!includeInactive, (q) => q.where('active', '=', true))
    .orderBy('name_en')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    clinicId: r.clinic_id,
    code: r.code,
    name: { en: r.name_en, es: r.name_es },
    booking: r.booking,
    patients: r.patients,
    mode: r.mode,
    minLeadMinutes: r.min_lead_minutes,
    maxDaysAhead: r.max_days_ahead,
    changeCutoffHours: r.change_cutoff_hours,
    maxFutureBookings: r.max_future_bookings,
    active: r.active,
    hasQuestionnaire: r.questionnaire !== null,
  }));
}
