// Settling a discrepancy: take the EHR's version into the portal, push the
// portal's version to the EHR (through the outbox, so the EHR being away
// never loses it), or dismiss it with a note. Each type says which of these
// it can do; the route audits every resolution.
import { type Kysely, sql } from 'kysely';
import type { AuditSource } from '../../platform/audit/audit.ts';
import { audit } from '../../platform/audit/audit.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import type { DemographicsPush } from '../outbox/kinds.ts';
import { enqueue } from '../outbox/outbox.ts';
import { appointmentChanged, appointmentMissing } from './appointment-resolve.ts';
import { type Demographics, differingFields } from './demographics.ts';
import { refillPrescriptionEnded } from './refill-resolve.ts';
import type { DiscrepancyType } from './tables.ts';

type Db = Kysely<Schema>;

export const RESOLVE_ACTIONS = ['take_ehr', 'push_portal', 'dismiss'] as const;
export type ResolveAction = (typeof RESOLVE_ACTIONS)[number];

export interface OpenDiscrepancy {
  id: string;
  type: DiscrepancyType;
  subject_key: string;
  clinic_id: string;
  patient_id: string | null;
  ehr_version: unknown;
  ehr_reference: string | null;
  ehr_version_id: string | null;
}

/** What a resolution may need beyond the discrepancy: the portal's address, for links in mail. */
export interface ResolveContext {
  publicUrl: string;
}

interface Resolver {
  /** Updates the portal from the recorded EHR version (in the caller's transaction). */
  takeEhr?(
    trx: Db,
    d: OpenDiscrepancy,
    source: AuditSource,
    context: ResolveContext,
  ): Promise<void>;
  /** Queues the portal's version for the EHR; returns the outbox row id. */
  pushPortal?(trx: Db, d: OpenDiscrepancy, source: AuditSource): Promise<string>;
}

const cannot = (what: string) =>
  new ApiError(409, 'cannot_resolve_so', `${what} Choose another action, or dismiss with a note.`);

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The EHR's demographics as recorded, when the portal can hold them. */
function usableDemographics(v: unknown): Demographics {
  const d = (v ?? {}) as Partial<Demographics>;
  const name = (s: unknown) => typeof s === 'string' && s.length >= 1 && s.length <= 100;
  if (!name(d.givenName) || !name(d.familyName) || !DATE.test(String(d.birthDate)))
    throw cannot(
      "The EHR's version lacks a given name, family name or birth date the portal can keep.",
    );
  return d as Demographics;
}

async function portalDemographics(trx: Db, patientId: string) {
  return trx
    .selectFrom('patients')
    .select(['given_name', 'family_name', 'birth_date'])
    .where('id', '=', patientId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

const demographics: Resolver = {
  async takeEhr(trx, d, source) {
    const theirs = usableDemographics(d.ehr_version);
    const patientId = d.patient_id as string;
    const ours = await portalDemographics(trx, patientId);
    const changed = differingFields(
      { givenName: ours.given_name, familyName: ours.family_name, birthDate: ours.birth_date },
      theirs,
    );
    await trx
      .updateTable('patients')
      .set({
        given_name: theirs.givenName,
        family_name: theirs.familyName,
        birth_date: theirs.birthDate,
      })
      .where('id', '=', patientId)
      .execute();
    await audit(trx, source, {
      action: 'update',
      resourceType: 'Patient',
      resourceId: patientId,
      patientId,
      clinicId: d.clinic_id,
      details: { fields: changed, source: 'ehr', discrepancyId: d.id },
    });
  },
  async pushPortal(trx, d) {
    if (!d.ehr_reference) throw cannot('The EHR record is not known.');
    const ours = await portalDemographics(trx, d.patient_id as string);
    const payload: DemographicsPush = {
      ehrPatientId: d.ehr_reference.replace(/^Patient\//, ''),
      givenName: ours.given_name,
      familyName: ours.family_name,
      birthDate: ours.birth_date,
      ...(d.ehr_version_id ? { ifMatchVersion: d.ehr_version_id } : {}),
    };
    return enqueue(trx, {
      kind: 'patient.demographics',
      clinicId: d.clinic_id,
      patientId: d.patient_id,
      payload,
      idempotencyKey: `discrepancy-${d.id}`,
    });
  },
};

/** Types the portal can settle beyond a note; the rest (e.g. a slot booked in the EHR: staff call the patient) are dismissed with one. */
const RESOLVERS: Partial<Record<DiscrepancyType, Resolver>> = {
  demographics_changed: demographics,
  appointment_changed_in_ehr: appointmentChanged,
  appointment_missing_in_ehr: appointmentMissing,
  medication_discontinued_with_pending_refill: refillPrescriptionEnded,
};

/** Settles an open discrepancy (locked by the caller) and returns the outbox row of a push. */
export async function resolveDiscrepancy(
  trx: Db,
  d: OpenDiscrepancy,
  choice: { action: ResolveAction; note?: string; userId: string },
  source: AuditSource,
  context: ResolveContext,
): Promise<{ outboxId: string | null }> {
  const note = choice.note?.trim() || null;
  const resolver = RESOLVERS[d.type] ?? {};
  let outboxId: string | null = null;
  if (choice.action === 'dismiss') {
    if (!note)
      throw new ApiError(400, 'note_required', 'Say in a note why this discrepancy is dismissed.', [
        { field: 'note', message: 'Say why it is dismissed.' },
      ]);
  } else if (choice.action === 'take_ehr') {
    if (!resolver.takeEhr) throw cannot("The portal cannot take the EHR's version of this yet.");
    await resolver.takeEhr(trx, d, source, context);
  } else {
    if (!resolver.pushPortal) throw cannot('The portal cannot send its version of this yet.');
    outboxId = await resolver.pushPortal(trx, d, source);
  }
  await trx
    .updateTable('discrepancies')
    .set({
      status: choice.action === 'dismiss' ? 'dismissed' : 'resolved',
      resolution: choice.action,
      note,
      resolved_by: choice.userId,
      resolved_at: sql<Date>`now()`,
      outbox_id: outboxId,
    })
    .where('id', '=', d.id)
    .execute();
  await audit(trx, source, {
    action: 'update',
    resourceType: 'Discrepancy',
    resourceId: d.id,
    patientId: d.patient_id,
    clinicId: d.clinic_id,
    details: { type: d.type, resolution: choice.action, outboxId },
  });
  return { outboxId };
}

/** Locks the discrepancy for resolving; 409 when someone settled it already. */
export async function lockOpen(trx: Db, id: string): Promise<OpenDiscrepancy> {
  const d = await trx
    .selectFrom('discrepancies')
    .select([
      'id',
      'type',
      'subject_key',
      'status',
      'clinic_id',
      'patient_id',
      'ehr_version',
      'ehr_reference',
      'ehr_version_id',
    ])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (d.status !== 'open')
    throw new ApiError(
      409,
      'already_resolved',
      'This discrepancy was settled already; reload the list.',
    );
  return d;
}
