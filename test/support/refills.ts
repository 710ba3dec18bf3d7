// Refill test data: patients linked to an EHR record, their prescriptions
// and fills put into the sync's cache (as the sync would have copied them),
// and the clinic's pharmacy directory.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Schema } from '../../src/platform/db/schema.ts';
import type { TestApp } from './app.ts';
import type { Client } from './client.ts';
import { createPatient, createUser, signedInClient } from './factories.ts';

type Db = Kysely<Schema>;
const unique = () => randomUUID().slice(0, 8);
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** YYYY-MM-DD, `days` from today (UTC). */
export const dayFromToday = (days: number) =>
  new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** A patient of the clinic, linked to an EHR record, with an account signed in. */
export async function refillPatient(
  t: TestApp,
  clinicId: string,
  options: { email?: string; language?: 'en' | 'es' } = {},
): Promise<{ id: string; ehrPatientId: string; userId: string; client: Client }> {
  const db = t.database.db;
  const patient = await createPatient(db, { clinicId });
  const ehrPatientId = `ehr-${unique()}`;
  await db
    .updateTable('patients')
    .set({ ehr_patient_id: ehrPatientId })
    .where('id', '=', patient.id)
    .execute();
  const user = await createUser(db, t.config, {
    roles: [{ role: 'patient', clinicId: null }],
    patientId: patient.id,
    email: options.email,
  });
  if (options.language)
    await db
      .updateTable('users')
      .set({ language: options.language })
      .where('id', '=', user.id)
      .execute();
  return { id: patient.id, ehrPatientId, userId: user.id, client: await signedInClient(t, user) };
}

export interface CachedMedication {
  name: string;
  rxnormCode?: string | null;
  status?: string;
  /** dispenseRequest.numberOfRepeatsAllowed; undefined leaves it out. */
  repeatsAllowed?: number;
  /** dispenseRequest.expectedSupplyDuration, in days. */
  supplyDays?: number;
  /** Days (from today, so negative) on which completed dispenses were handed over. */
  filledDaysAgo?: number[];
  /** Each dispense's daysSupply; defaults to supplyDays. */
  dispenseDays?: number;
  prescriberId?: string;
}

/**
 * A MedicationRequest with its MedicationDispenses in the patient's cached
 * record, as the sync stores them; returns the prescription's EHR id.
 */
export async function cacheMedication(
  db: Db,
  patient: { id: string; ehrPatientId: string },
  m: CachedMedication,
): Promise<string> {
  const id = `medreq-${unique()}`;
  const status = m.status ?? 'active';
  const row = (type: string, rid: string, rstatus: string, occurred: string, body: object) => ({
    resource_type: type,
    id: rid,
    patient_id: patient.id,
    ehr_patient_id: patient.ehrPatientId,
    status: rstatus,
    occurred_at: new Date(occurred),
    resource: JSON.stringify({ resourceType: type, id: rid, ...body }),
  });
  const prescribed = dayFromToday(-400);
  const order = row('MedicationRequest', id, status, prescribed, {
    status,
    intent: 'order',
    medicationCodeableConcept: {
      coding: m.rxnormCode ? [{ system: RXNORM, code: m.rxnormCode, display: m.name }] : [],
      text: m.name,
    },
    subject: { reference: `Patient/${patient.ehrPatientId}` },
    authoredOn: prescribed,
    requester: {
      reference: `Practitioner/${m.prescriberId ?? 'pract-1'}`,
      display: 'Dr. Test Prescriber',
    },
    dosageInstruction: [{ text: 'Take one tablet by mouth daily' }],
    dispenseRequest: {
      ...(m.repeatsAllowed !== undefined ? { numberOfRepeatsAllowed: m.repeatsAllowed } : {}),
      ...(m.supplyDays !== undefined
        ? {
            expectedSupplyDuration: {
              value: m.supplyDays,
              unit: 'days',
              system: 'http://unitsofmeasure.org',
              code: 'd',
            },
          }
        : {}),
    },
  });
  const fills = (m.filledDaysAgo ?? []).map((days, i) => {
    const on = dayFromToday(days);
    const supply = m.dispenseDays ?? m.supplyDays;
    return row('MedicationDispense', `${id}-fill-${i}`, 'completed', on, {
      status: 'completed',
      subject: { reference: `Patient/${patient.ehrPatientId}` },
      authorizingPrescription: [{ reference: `MedicationRequest/${id}` }],
      medicationCodeableConcept: { text: m.name },
      whenHandedOver: `${on}T15:00:00Z`,
      ...(supply !== undefined
        ? {
            daysSupply: {
              value: supply,
              unit: 'days',
              system: 'http://unitsofmeasure.org',
              code: 'd',
            },
          }
        : {}),
    });
  });
  await db
    .insertInto('clinical_resources')
    .values([order, ...fills])
    .execute();
  return id;
}

/** A medication due for a refill now: refills left, last 30-day fill a month ago. */
export const dueMedication = (
  name: string,
  rxnormCode: string | null = null,
): CachedMedication => ({
  name,
  rxnormCode,
  repeatsAllowed: 3,
  supplyDays: 30,
  filledDaysAgo: [-30],
});

/** A pharmacy in the clinic's directory. */
export async function createPharmacy(db: Db, clinicId: string, name = `Pharmacy ${unique()}`) {
  return db
    .insertInto('pharmacies')
    .values({
      clinic_id: clinicId,
      name,
      address: '2 Main Street, Springfield, IL',
      phone: '+1-555-0199',
    })
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
}
