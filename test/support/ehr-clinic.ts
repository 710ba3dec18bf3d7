// A clinic in both systems, for tests against a FHIR server: in the EHR a
// Location carrying the clinic's slug, a clinician's Schedule there with free
// half-hour Slots, and a patient; in the portal the same patient linked to
// their EHR record, and the slot inventory loaded from the EHR.
import type { Location, Patient, Practitioner, Schedule, Slot } from '@medplum/fhirtypes';
import type { Kysely } from 'kysely';
import type { Config } from '../../src/config.ts';
import type { EhrGateway } from '../../src/ehr/gateway/gateway.ts';
import { CLINIC_SYSTEM } from '../../src/ehr/identifiers.ts';
import { refreshClinic } from '../../src/modules/scheduling/inventory.ts';
import type { Schema } from '../../src/platform/db/schema.ts';
import { createPatient, createUser } from './factories.ts';
import { daysFromNow } from './scheduling.ts';

type Db = Kysely<Schema>;

export interface PortalSlot {
  id: number;
  /** The EHR's id of the slot. */
  ehr: string;
  starts_at: Date;
  ends_at: Date;
}

/**
 * The clinic's Location, a clinician and their Schedule with `slots` free
 * half-hour Slots three days from now; then the portal's inventory, loaded
 * from the EHR, in time order.
 */
export async function clinicScheduleInEhr(
  db: Db,
  gw: EhrGateway,
  clinic: { id: string; name: string; slug: string },
  p: { clinician: { given: string; family: string }; slots: number },
): Promise<{ practitionerId: string; slots: PortalSlot[] }> {
  const location = await gw.create<Location>({
    resourceType: 'Location',
    name: clinic.name,
    identifier: [{ system: CLINIC_SYSTEM, value: clinic.slug }],
  });
  const practitioner = await gw.create<Practitioner>({
    resourceType: 'Practitioner',
    name: [{ given: [p.clinician.given], family: p.clinician.family }],
  });
  const schedule = await gw.create<Schedule>({
    resourceType: 'Schedule',
    active: true,
    actor: [
      {
        reference: `Practitioner/${practitioner.id}`,
        display: `Dr. ${p.clinician.given} ${p.clinician.family}`,
      },
      { reference: `Location/${location.id}` },
    ],
  });
  const from = daysFromNow(3);
  for (let i = 0; i < p.slots; i++)
    await gw.create<Slot>({
      resourceType: 'Slot',
      schedule: { reference: `Schedule/${schedule.id}` },
      status: 'free',
      start: new Date(from.getTime() + i * 30 * 60_000).toISOString(),
      end: new Date(from.getTime() + (i + 1) * 30 * 60_000).toISOString(),
    });
  await refreshClinic(db, gw, clinic.id, { from: new Date(), to: daysFromNow(30) });
  const slots = await db
    .selectFrom('slots')
    .select(['id', 'ehr_slot_id as ehr', 'starts_at', 'ends_at'])
    .where('clinic_id', '=', clinic.id)
    .orderBy('starts_at')
    .execute();
  return { practitionerId: practitioner.id as string, slots };
}

/** The same person in the EHR and in the portal, linked, with a patient account. */
export async function linkedPatient(
  db: Db,
  gw: EhrGateway,
  config: Config,
  clinicId: string,
  person: { givenName: string; familyName: string; birthDate?: string },
) {
  const ehrPatient = await gw.create<Patient>({
    resourceType: 'Patient',
    name: [{ given: [person.givenName], family: person.familyName }],
    ...(person.birthDate ? { birthDate: person.birthDate } : {}),
  });
  const patient = await createPatient(db, { clinicId, ...person });
  await db
    .updateTable('patients')
    .set({ ehr_patient_id: ehrPatient.id })
    .where('id', '=', patient.id)
    .execute();
  const user = await createUser(db, config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patient.id,
  });
  return { patientId: patient.id, ehrPatientId: ehrPatient.id as string, user };
}
