// Demographics: the names and birth date the portal keeps for a linked
// patient beside the EHR's Patient. The EHR is the system of record for
// them, so the suggestion is to take its version; a different birth date is
// serious (it is how staff tell patients apart).
import type { Patient } from '@medplum/fhirtypes';
import { sql } from 'kysely';
import { type CheckContext, type CheckResult, type DiscrepancyCheck, inBatches } from './checks.ts';
import { type Demographics, demographicsOf, differingFields } from './demographics.ts';

/** The EHR id from what the link holds ('123' or 'Patient/123'). */
const bareId = (ref: string) => ref.replace(/^Patient\//, '');

async function linkedPatients({ db, scope }: CheckContext) {
  return db
    .selectFrom('patients as p')
    .select([
      'p.id',
      'p.given_name',
      'p.family_name',
      'p.birth_date',
      'p.ehr_patient_id',
      // The clinic that registered the patient first answers for the record.
      sql<string | null>`(select r.clinic_id from patient_clinics r where r.patient_id = p.id
        order by r.registered_at, r.clinic_id limit 1)`.as('clinic_id'),
    ])
    .where('p.ehr_patient_id', 'is not', null)
    .$if(!!scope.patientId, (q) => q.where('p.id', '=', scope.patientId as string))
    .$if(!!scope.clinicId, (q) =>
      q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('patient_clinics as c')
            .select('c.patient_id')
            .whereRef('c.patient_id', '=', 'p.id')
            .where('c.clinic_id', '=', scope.clinicId as string),
        ),
      ),
    )
    .orderBy('p.id')
    .execute();
}

export const demographicsCheck: DiscrepancyCheck = {
  type: 'demographics_changed',
  async run(ctx) {
    const result: CheckResult = { checked: [], findings: [], errors: 0 };
    const patients = await linkedPatients(ctx);
    await inBatches(patients, 4, async (p) => {
      if (!p.clinic_id || !p.ehr_patient_id) return;
      const id = bareId(p.ehr_patient_id);
      let ehr: Patient | null;
      try {
        ehr = await ctx.gateway.read<Patient>('Patient', id);
      } catch {
        result.errors++;
        return;
      }
      if (!ehr) {
        result.errors++;
        return;
      }
      const subjectKey = `Patient/${p.id}`;
      result.checked.push(subjectKey);
      const portal: Demographics = {
        givenName: p.given_name,
        familyName: p.family_name,
        birthDate: p.birth_date,
      };
      const theirs = demographicsOf(ehr);
      const differs = differingFields(portal, theirs);
      if (differs.length === 0) return;
      result.findings.push({
        type: 'demographics_changed',
        clinicId: p.clinic_id,
        patientId: p.id,
        subjectKey,
        severity: differs.includes('birthDate') ? 'high' : 'medium',
        portalVersion: { ...portal },
        ehrVersion: { ...theirs },
        ehrReference: `Patient/${id}`,
        ehrVersionId: ehr.meta?.versionId,
        suggestedAction: 'take_ehr',
      });
    });
    return result;
  },
};
