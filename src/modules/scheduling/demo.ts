// The demo clinics' visit types: one of each booking rule, so a first look
// shows booking at once, by request, video visits and "call the clinic".
import type { Insertable, Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { demoQuestionnaires } from './demo-questionnaires.ts';

type Db = Kysely<Schema>;
type NewVisitType = Omit<Insertable<Schema['visit_types']>, 'clinic_id'>;

export const demoVisitTypes: NewVisitType[] = [
  {
    code: 'office-visit',
    name_en: 'Office visit',
    name_es: 'Consulta en el consultorio',
    booking: 'online',
    patients: 'all',
    mode: 'in_person',
    min_lead_minutes: 120,
    max_days_ahead: 60,
    change_cutoff_hours: 24,
    max_future_bookings: 3,
  },
  {
    code: 'video-visit',
    name_en: 'Video visit',
    name_es: 'Consulta por video',
    booking: 'online',
    patients: 'all',
    mode: 'video',
    min_lead_minutes: 60,
    max_days_ahead: 30,
    change_cutoff_hours: 4,
    max_future_bookings: 2,
  },
  {
    code: 'new-patient',
    name_en: 'New patient visit',
    name_es: 'Consulta de paciente nuevo',
    booking: 'request',
    patients: 'all',
    mode: 'in_person',
    min_lead_minutes: 1440,
    max_days_ahead: 60,
    change_cutoff_hours: 48,
    max_future_bookings: 1,
  },
  {
    code: 'procedure',
    name_en: 'Minor procedure',
    name_es: 'Procedimiento menor',
    booking: 'offline',
    patients: 'established',
    mode: 'in_person',
    min_lead_minutes: 2880,
    max_days_ahead: 60,
    change_cutoff_hours: 72,
    max_future_bookings: 1,
  },
];

/** Adds the demo visit types to every clinic that has none yet. */
export async function seedVisitTypes(db: Db): Promise<number> {
  const clinics = await db
    .selectFrom('clinics')
    .select('id')
    .where('id', 'not in', (eb) => eb.selectFrom('visit_types').select('clinic_id'))
    .execute();
  if (clinics.length === 0) return 0;
  const rows = clinics.flatMap((c) =>
    demoVisitTypes.map((t) => ({
      ...t,
      clinic_id: c.id,
      questionnaire:
        t.code in demoQuestionnaires ? JSON.stringify(demoQuestionnaires[t.code]) : null,
    })),
  );
  await db
    .insertInto('visit_types')
    .values(rows)
    .onConflict((oc) => oc.doNothing())
    .execute();
  return rows.length;
}
