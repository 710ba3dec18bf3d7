// Refill requests beside the EHR's prescriptions. For each request the
// clinic has not finished (requested, in review, approved and not yet sent),
// the portal reads its MedicationRequest: no longer refillable there
// (NOT_REFILLABLE, or gone) means the refill can no longer be given. The
// desk's take_ehr stops the request and tells the patient (refill-resolve.ts).
import type { MedicationRequest } from '@medplum/fhirtypes';
import { conceptText } from '../../modules/records/map.ts';
import { notRefillable, OPEN } from '../../modules/refills/tables.ts';
import { REFILL_IDENTIFIER_SYSTEM } from '../../modules/refills/writeback.ts';
import type { EhrGateway } from '../gateway/gateway.ts';
import { type CheckResult, type DiscrepancyCheck, inBatches } from './checks.ts';

/**
 * Whether our own refill order for the request is in the EHR already: the
 * EHR may complete the original once the new order exists, and that is the
 * approval arriving, not the prescription ending.
 */
async function ordered(gateway: EhrGateway, requestId: string): Promise<boolean> {
  const [order] = await gateway.search<MedicationRequest>(
    'MedicationRequest',
    { identifier: `${REFILL_IDENTIFIER_SYSTEM}|${requestId}` },
    1,
  );
  return order !== undefined;
}

export const medicationDiscontinuedCheck: DiscrepancyCheck = {
  type: 'medication_discontinued_with_pending_refill',
  async run({ db, gateway, scope }) {
    const result: CheckResult = { checked: [], findings: [], errors: 0 };
    const pending = await db
      .selectFrom('refill_requests')
      .select([
        'id',
        'clinic_id',
        'patient_id',
        'status',
        'medication_name',
        'ehr_medication_request_id',
      ])
      .where('status', 'in', [...OPEN])
      .$if(!!scope.clinicId, (q) => q.where('clinic_id', '=', scope.clinicId as string))
      .$if(!!scope.patientId, (q) => q.where('patient_id', '=', scope.patientId as string))
      .orderBy('created_at')
      .execute();
    await inBatches(pending, 4, async (r) => {
      let ehr: MedicationRequest | null;
      let oursMade = false;
      try {
        ehr = await gateway.read<MedicationRequest>(
          'MedicationRequest',
          r.ehr_medication_request_id,
        );
        const ended = !ehr || notRefillable(ehr.status);
        if (ended && r.status === 'approved') oursMade = await ordered(gateway, r.id);
      } catch {
        result.errors++;
        return;
      }
      const subjectKey = `RefillRequest/${r.id}`;
      result.checked.push(subjectKey);
      const status = ehr ? ehr.status : 'gone';
      if ((ehr && !notRefillable(status)) || oursMade) return;
      result.findings.push({
        type: 'medication_discontinued_with_pending_refill',
        clinicId: r.clinic_id,
        patientId: r.patient_id,
        subjectKey,
        severity: 'high',
        portalVersion: { status: r.status, medication: r.medication_name },
        ehrVersion: {
          status,
          medication: ehr
            ? (conceptText(ehr.medicationCodeableConcept) ??
              ehr.medicationReference?.display ??
              null)
            : null,
        },
        ehrReference: `MedicationRequest/${r.ehr_medication_request_id}`,
        ...(ehr?.meta?.versionId ? { ehrVersionId: ehr.meta.versionId } : {}),
        // The portal follows: the request stops and the patient is told.
        suggestedAction: 'take_ehr',
      });
    });
    return result;
  },
};
