// How each kind of write-back is sent to the EHR. A feature registers its
// kind once (e.g. 'appointment.book'); the worker looks the sender up by the
// row's kind. Two kinds ship here: 'fhir.create' (any resource, created once
// thanks to the idempotency key) and 'patient.demographics' (the discrepancy
// desk pushing the portal's names and birth date back).
import type { Patient, Resource } from '@medplum/fhirtypes';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { EhrError, type EhrGateway } from '../gateway/gateway.ts';
import {
  type Demographics,
  demographicsOf,
  differingFields,
  withDemographics,
} from '../reconcile/demographics.ts';

/** One outbox row as its sender sees it. */
export interface OutboxSend {
  id: string;
  kind: string;
  payload: unknown;
  idempotencyKey: string;
  patientId: string | null;
  clinicId: string;
}

/** What the EHR now holds: recorded on the row when it is confirmed. */
export interface Confirmation {
  resourceType: string;
  id: string;
  versionId?: string;
}

/** How a row ended, told to its kind in the transaction that records it. */
export type Settlement =
  | { outcome: 'confirmed'; confirmation: Confirmation }
  | { outcome: 'dead'; error: unknown };

/** What a kind may need when it settles: where the portal is, for links in mail. */
export interface SettleContext {
  publicUrl: string;
}

/**
 * What a kind may read when it sends: the database, and the app's
 * configuration (its keys), for a kind whose payload only names what to
 * send because the content must not sit in the outbox in clear (messages).
 */
export interface SendContext {
  db: Kysely<Schema>;
  config?: Config;
}

/**
 * Thrown by a kind's send when the row cannot go yet for a reason of the
 * portal's own, not the EHR's (a message waits for the one before it): the
 * row is tried again soon, and the wait uses up none of its attempts.
 */
export class NotYet extends Error {
  override name = 'NotYet';
}

export interface OutboxKind {
  /** Checks the payload when it is queued, so a bad one fails the feature's own transaction. */
  check?(payload: unknown): void;
  /** Sends once; throws EhrError (retryable or not) when the EHR says no, NotYet to wait. */
  send(item: OutboxSend, gateway: EhrGateway, context: SendContext): Promise<Confirmation>;
  /**
   * Brings the feature's own state in line (an appointment becomes booked,
   * or not booked), in the transaction that settles the row. Called once per
   * row: a row whose lease was lost settles with the later claim instead.
   */
  /**
   * Locks the feature's own rows before the outbox row is settled, in the
   * order the feature's changes lock them (its row, then the outbox row),
   * so a patient's change and a settling send never deadlock.
   */
  lockFirst?(trx: Kysely<Schema>, item: OutboxSend): Promise<void>;
  settled?(
    trx: Kysely<Schema>,
    item: OutboxSend,
    settlement: Settlement,
    context: SettleContext,
  ): Promise<void>;
}

const kinds = new Map<string, OutboxKind>();

export function registerOutboxKind(kind: string, sender: OutboxKind): void {
  if (!/^[a-z][a-z_]*(\.[a-z_]+)+$/.test(kind))
    throw new Error(`Outbox kind "${kind}" must look like "area.action"`);
  kinds.set(kind, sender);
}

export const outboxKind = (kind: string): OutboxKind | undefined => kinds.get(kind);

/** The confirmation for a resource the EHR answered with. */
export function confirmationOf(resource: Resource | undefined | null): Confirmation {
  if (!resource?.id)
    throw new EhrError('The EHR answered without a resource id', 502, undefined, false);
  return {
    resourceType: resource.resourceType,
    id: resource.id,
    versionId: resource.meta?.versionId,
  };
}

const isResource = (v: unknown): v is Resource =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Resource).resourceType === 'string' &&
  /^[A-Z][A-Za-z]+$/.test((v as Resource).resourceType);

registerOutboxKind('fhir.create', {
  check(payload) {
    if (!isResource(payload)) throw new Error('fhir.create needs a FHIR resource as its payload');
    if (payload.id) throw new Error('fhir.create sends a new resource: leave out its id');
  },
  async send(item, gateway) {
    const created = await gateway.create(item.payload as Resource, {
      idempotencyKey: item.idempotencyKey,
    });
    return confirmationOf(created);
  },
});

/** The portal's names and birth date for one EHR Patient, seen at `ifMatchVersion`. */
export interface DemographicsPush extends Demographics {
  ehrPatientId: string;
  ifMatchVersion?: string;
}

registerOutboxKind('patient.demographics', {
  check(payload) {
    const p = payload as Partial<DemographicsPush>;
    for (const field of ['ehrPatientId', 'givenName', 'familyName', 'birthDate'] as const)
      if (typeof p?.[field] !== 'string' || !p[field])
        throw new Error(`patient.demographics needs ${field}`);
  },
  /**
   * Read first: when the EHR already has these values (an earlier try whose
   * answer was lost), that is the confirmation. Else update with If-Match on
   * the version the desk saw, so a newer change in the EHR is never
   * overwritten unseen (the EHR answers 412, which is not retried).
   */
  async send(item, gateway) {
    const push = item.payload as DemographicsPush;
    const current = await gateway.read<Patient>('Patient', push.ehrPatientId);
    if (!current) throw new EhrError('The EHR has no such Patient any more', 404);
    if (differingFields(push, demographicsOf(current)).length === 0) return confirmationOf(current);
    const updated = await gateway.update(
      { ...withDemographics(current, push), id: push.ehrPatientId },
      { ifMatchVersion: push.ifMatchVersion ?? current.meta?.versionId },
    );
    return confirmationOf(updated);
  },
});
