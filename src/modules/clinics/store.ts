import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { type Clinic, isTimeZone, type NewClinic } from './model.ts';

type Db = Kysely<Schema>;

export async function listClinics(db: Db): Promise<Clinic[]> {
  const [clinics, hours] = await Promise.all([
    db.selectFrom('clinics').selectAll().orderBy('name').execute(),
    db.selectFrom('clinic_hours').selectAll().orderBy('weekday').orderBy('opens').execute(),
  ]);
  return clinics.map((c) => ({
    id: c.id,
    slug: c.slug,
    name: c.name,
    timeZone: c.time_zone,
    phone: c.phone,
    address: {
      line1: c.address_line1,
      line2: c.address_line2,
      city: c.city,
      state: c.state,
      postalCode: c.postal_code,
    },
    hours: hours
      .filter((h) => h.clinic_id === c.id)
      .map((h) => ({
        weekday: h.weekday,
        opens: h.opens.slice(0, 5),
        closes: h.closes.slice(0, 5),
      })),
  }));
}

/** Adds a clinic unless one with the slug exists; returns whether it was added. */
export async function addClinic(db: Db, clinic: NewClinic): Promise<boolean> {
  if (!isTimeZone(clinic.timeZone)) throw new Error(`Unknown time zone ${clinic.timeZone}`);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('clinics')
      .values({
        slug: clinic.slug,
        name: clinic.name,
        time_zone: clinic.timeZone,
        phone: clinic.phone,
        address_line1: clinic.address.line1,
        address_line2: clinic.address.line2,
        city: clinic.address.city,
        state: clinic.address.state,
        postal_code: clinic.address.postalCode,
      })
      .onConflict((oc) => oc.column('slug').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return false;
    if (clinic.hours.length > 0)
      await trx
        .insertInto('clinic_hours')
        .values(clinic.hours.map((h) => ({ clinic_id: row.id, ...h })))
        .execute();
    return true;
  });
}
