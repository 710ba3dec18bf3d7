// Linking an EHR Patient to the portal: the portal patient already linked to
// it (registered at the clinic if need be), a portal patient registered at
// the clinic under the same MRN but not linked yet, or a new portal patient
// made from the EHR's demographics. One transaction, with its audit row.
import type { Patient } from '@medplum/fhirtypes';
import type { Kysely } from 'kysely';
import { type AuditSource, audit } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { demographicsOf } from '../reconcile/demographics.ts';

type Db = Kysely<Schema>;

export interface LinkInput {
  clinicId: string;
  mrn: string;
  ehrPatient: Patient & { id: string };
}

export interface Linked {
  patientId: string;
  created: boolean;
}

/** What the portal keeps of the EHR Patient: names, birth date, phone, e-mail, language. */
export function portalDemographics(p: Patient) {
  const d = demographicsOf(p);
  const fits = (v: string) => v.length >= 1 && v.length <= 100;
  if (!fits(d.givenName) || !fits(d.familyName) || !/^\d{4}-\d{2}-\d{2}$/.test(d.birthDate))
    throw new ApiError(
      400,
      'incomplete_demographics',
      'The record system has no full name and birth date for this patient; complete them there first.',
    );
  const contact = (system: 'phone' | 'email') =>
    p.telecom?.find((t) => t.system === system && t.value?.trim())?.value?.trim() ?? null;
  const language = p.communication
    ?.flatMap((c) => c.language?.coding ?? [])
    .find((c) => c.code)
    ?.code?.toLowerCase();
  return {
    given_name: d.givenName,
    family_name: d.familyName,
    birth_date: d.birthDate,
    phone: contact('phone'),
    email: contact('email')?.toLowerCase() ?? null,
    ...(language
      ? { language: language.startsWith('es') ? ('es' as const) : ('en' as const) }
      : {}),
  };
}

export async function linkEhrPatient(
  db: Db,
  source: AuditSource,
  input: LinkInput,
): Promise<Linked> {
  try {
    return await db.transaction().execute((trx) => link(trx, source, input));
  } catch (err) {
    // Two desks linking the same patient at once: the loser finds the winner's row.
    if ((err as { code?: string }).code !== '23505') throw err;
    return db.transaction().execute((trx) => link(trx, source, input));
  }
}

async function link(trx: Db, source: AuditSource, input: LinkInput): Promise<Linked> {
  const { clinicId, mrn, ehrPatient } = input;
  const linked = await trx
    .selectFrom('patients')
    .select('id')
    .where('ehr_patient_id', '=', ehrPatient.id)
    .executeTakeFirst();
  const byMrn = await trx
    .selectFrom('patient_clinics as r')
    .innerJoin('patients as p', 'p.id', 'r.patient_id')
    .select(['p.id', 'p.ehr_patient_id'])
    .where('r.clinic_id', '=', clinicId)
    .where('r.mrn', '=', mrn)
    .executeTakeFirst();
  const entry = { resourceType: 'Patient', clinicId };

  if (linked) {
    const registered = await trx
      .selectFrom('patient_clinics')
      .select('mrn')
      .where('patient_id', '=', linked.id)
      .where('clinic_id', '=', clinicId)
      .executeTakeFirst();
    if (!registered) {
      if (byMrn) throw mrnTaken();
      await trx
        .insertInto('patient_clinics')
        .values({ patient_id: linked.id, clinic_id: clinicId, mrn })
        .execute();
    }
    await audit(trx, source, {
      ...entry,
      action: registered ? 'query' : 'update',
      resourceId: linked.id,
      patientId: linked.id,
      details: { link: 'existing', registeredAtClinic: !registered },
    });
    return { patientId: linked.id, created: false };
  }

  if (byMrn) {
    // Registered here under this MRN before the EHR link existed: the MRN is the link.
    if (byMrn.ehr_patient_id) throw mrnTaken();
    await trx
      .updateTable('patients')
      .set({ ehr_patient_id: ehrPatient.id })
      .where('id', '=', byMrn.id)
      .execute();
    await audit(trx, source, {
      ...entry,
      action: 'update',
      resourceId: byMrn.id,
      patientId: byMrn.id,
      details: { link: 'by-mrn', fields: ['ehrPatientId'] },
    });
    return { patientId: byMrn.id, created: false };
  }

  const created = await trx
    .insertInto('patients')
    .values({ ...portalDemographics(ehrPatient), ehr_patient_id: ehrPatient.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('patient_clinics')
    .values({ patient_id: created.id, clinic_id: clinicId, mrn })
    .execute();
  await audit(trx, source, {
    ...entry,
    action: 'create',
    resourceId: created.id,
    patientId: created.id,
    details: { link: 'new', source: 'ehr' },
  });
  return { patientId: created.id, created: true };
}

const mrnTaken = () =>
  new ApiError(
    409,
    'mrn_in_use',
    'Another portal patient at this clinic already has this MRN; open that patient from the patient search, or correct the MRN in the record system.',
  );
