// Settling a refill request whose prescription the EHR ended (found by
// refill-checks.ts). Take the EHR's version: the request stops, with a word
// on the patient's timeline and the "your refill request was updated" mail;
// a decision not yet sent to the EHR is discarded, so no order follows, and
// the Task is withdrawn from the prescriber's list. There is no portal
// version to push: the EHR's prescriber decides whether the medication goes on.
import type { Kysely } from 'kysely';
import { moveStatus } from '../../modules/refills/events.ts';
import { queueRefillNotice } from '../../modules/refills/notices.ts';
import { OPEN } from '../../modules/refills/tables.ts';
import {
  decisionKey,
  queueRefillWithdrawal,
  REFILL_ORDER_SUBJECT,
  STOPPED_TEXT,
} from '../../modules/refills/writeback.ts';
import { type AuditSource, audit } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import type { OpenDiscrepancy, ResolveContext } from './resolve.ts';

type Db = Kysely<Schema>;

const cannot = (why: string) =>
  new ApiError(409, 'cannot_resolve_so', `${why} Choose another action, or dismiss with a note.`);

async function stopRequest(
  trx: Db,
  d: OpenDiscrepancy,
  source: AuditSource,
  context: ResolveContext,
): Promise<void> {
  // The EHR holds our order although the portal closed the request: nothing to take here.
  if (d.subject_key.endsWith(REFILL_ORDER_SUBJECT))
    throw cannot(
      'The EHR has the new order while the portal shows the request closed: cancel the order in the EHR or call the patient, then dismiss with a note.',
    );
  // 'RefillRequest/<id>', or '…/decision' when the decision could not be sent.
  const id = /^RefillRequest\/([^/]+)/.exec(d.subject_key)?.[1];
  const r = id
    ? await trx
        .selectFrom('refill_requests')
        .select(['id', 'status', 'patient_id', 'clinic_id'])
        .where('id', '=', id)
        .where('clinic_id', '=', d.clinic_id)
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (!r) throw cannot('The portal no longer has this refill request.');
  // Sending the decision found the prescription ended first: the portal follows already.
  if (r.status === 'stopped') return;
  if (!OPEN.includes(r.status))
    throw cannot('The request was decided or cancelled in the portal since this was found.');
  await mustNotBeSending(trx, r.id);
  await moveStatus(trx, r.id, OPEN, 'stopped', {
    text: STOPPED_TEXT,
    actorUserId: source.actorUserId,
  });
  await queueRefillWithdrawal(trx, r.id, 'The prescription was stopped or changed in the EHR');
  await audit(trx, source, {
    action: 'update',
    resourceType: 'RefillRequest',
    resourceId: r.id,
    patientId: r.patient_id,
    clinicId: r.clinic_id,
    details: {
      status: 'stopped',
      from: r.status,
      source: 'ehr',
      ehrStatus: String((d.ehr_version as { status?: unknown } | null)?.status ?? ''),
      discrepancyId: d.id,
    },
  });
  await queueRefillNotice(trx, r.id, context.publicUrl);
}

/**
 * 409 while the approval is on its way: an attempt may have made the order in
 * the EHR already, and stopping now would leave that order behind. Once the
 * row is confirmed the request is sent; once dead, nothing more is tried.
 */
async function mustNotBeSending(trx: Db, requestId: string): Promise<void> {
  const decision = await trx
    .selectFrom('ehr_outbox')
    .select('status')
    .where('idempotency_key', '=', decisionKey(requestId))
    .forUpdate()
    .executeTakeFirst();
  if (decision && ['sending', 'failed'].includes(decision.status))
    throw new ApiError(
      409,
      'decision_sending',
      'The approval is being sent to the EHR; try again shortly.',
    );
}

export const refillPrescriptionEnded = { takeEhr: stopRequest };
