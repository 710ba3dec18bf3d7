// The clinical resource types the portal pulls for a linked patient, and for
// each one: extra search parameters, the fields FHIR R4 requires, the status
// values it allows, where the patient is referenced, and which date and
// status the cache keeps beside the JSON.
import type { SearchParams } from '../gateway/gateway.ts';

export const SYNCED_TYPES = [
  'MedicationRequest',
  'MedicationDispense',
  'AllergyIntolerance',
  'Condition',
  'Observation',
  'Immunization',
  'Encounter',
  'Appointment',
  'DocumentReference',
] as const;
export type SyncedType = (typeof SYNCED_TYPES)[number];

type Json = Record<string, unknown>;

export interface Feed {
  resourceType: SyncedType;
  /** Search parameters beside `patient`, `_count` and `_lastUpdated`. */
  params: SearchParams;
  /** Fields R4 requires (min 1), plus the patient reference the portal needs. */
  required: readonly string[];
  /** Allowed values of `status`, for types that have one. */
  statuses?: readonly string[];
  /** Every reference to a patient in the resource. */
  patientRefs(r: Json): unknown[];
  /** The date that matters to the patient: when prescribed, taken, given, seen. */
  occurredAt(r: Json): unknown;
  /** The status the lists show and filter on ('entered-in-error' hides it). */
  status(r: Json): string | null;
}

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const firstCode = (concept: unknown): string | null => str(obj(list(obj(concept).coding)[0]).code);

/** Conditions and allergies carry their status in two CodeableConcepts. */
function clinicalStatus(r: Json): string | null {
  if (firstCode(r.verificationStatus) === 'entered-in-error') return 'entered-in-error';
  return firstCode(r.clinicalStatus);
}

const subject = (r: Json) => (r.subject === undefined ? [] : [r.subject]);
const patient = (r: Json) => (r.patient === undefined ? [] : [r.patient]);

export const FEEDS: Record<SyncedType, Feed> = {
  MedicationRequest: {
    resourceType: 'MedicationRequest',
    params: {},
    required: ['status', 'intent', 'medication[x]', 'subject'],
    statuses: [
      'active',
      'on-hold',
      'cancelled',
      'completed',
      'entered-in-error',
      'stopped',
      'draft',
      'unknown',
    ],
    patientRefs: subject,
    occurredAt: (r) => r.authoredOn,
    status: (r) => str(r.status),
  },
  // The pharmacy's fills: when the last one was handed over, for how many days.
  MedicationDispense: {
    resourceType: 'MedicationDispense',
    params: {},
    required: ['status', 'medication[x]', 'subject'],
    statuses: [
      'preparation',
      'in-progress',
      'cancelled',
      'on-hold',
      'completed',
      'entered-in-error',
      'stopped',
      'declined',
      'unknown',
    ],
    patientRefs: subject,
    occurredAt: (r) => r.whenHandedOver ?? r.whenPrepared,
    status: (r) => str(r.status),
  },
  AllergyIntolerance: {
    resourceType: 'AllergyIntolerance',
    params: {},
    required: ['patient'],
    patientRefs: patient,
    occurredAt: (r) => r.recordedDate ?? r.onsetDateTime,
    status: clinicalStatus,
  },
  Condition: {
    resourceType: 'Condition',
    params: {},
    required: ['subject'],
    patientRefs: subject,
    occurredAt: (r) => r.onsetDateTime ?? obj(r.onsetPeriod).start ?? r.recordedDate,
    status: clinicalStatus,
  },
  Observation: {
    resourceType: 'Observation',
    params: { category: 'laboratory,vital-signs' },
    required: ['status', 'code', 'subject'],
    statuses: [
      'registered',
      'preliminary',
      'final',
      'amended',
      'corrected',
      'cancelled',
      'entered-in-error',
      'unknown',
    ],
    patientRefs: subject,
    occurredAt: (r) =>
      r.effectiveDateTime ?? obj(r.effectivePeriod).start ?? r.effectiveInstant ?? r.issued,
    status: (r) => str(r.status),
  },
  Immunization: {
    resourceType: 'Immunization',
    params: {},
    required: ['status', 'vaccineCode', 'patient', 'occurrence[x]'],
    statuses: ['completed', 'entered-in-error', 'not-done'],
    patientRefs: patient,
    occurredAt: (r) => r.occurrenceDateTime,
    status: (r) => str(r.status),
  },
  Encounter: {
    resourceType: 'Encounter',
    params: {},
    required: ['status', 'class', 'subject'],
    statuses: [
      'planned',
      'arrived',
      'triaged',
      'in-progress',
      'onleave',
      'finished',
      'cancelled',
      'entered-in-error',
      'unknown',
    ],
    patientRefs: subject,
    occurredAt: (r) => obj(r.period).start,
    status: (r) => str(r.status),
  },
  Appointment: {
    resourceType: 'Appointment',
    params: {},
    required: ['status', 'participant'],
    statuses: [
      'proposed',
      'pending',
      'booked',
      'arrived',
      'fulfilled',
      'cancelled',
      'noshow',
      'entered-in-error',
      'checked-in',
      'waitlist',
    ],
    // Only participants that are patients; practitioners and rooms are fine.
    patientRefs: (r) =>
      list(r.participant)
        .map((p) => obj(p).actor)
        .filter((a) => /(^|\/)Patient\//.test(str(obj(a).reference) ?? '')),
    occurredAt: (r) => r.start ?? r.created,
    status: (r) => str(r.status),
  },
  DocumentReference: {
    resourceType: 'DocumentReference',
    params: {},
    required: ['status', 'content', 'subject'],
    statuses: ['current', 'superseded', 'entered-in-error'],
    patientRefs: subject,
    occurredAt: (r) => r.date ?? obj(obj(r.context).period).start,
    status: (r) => str(r.status),
  },
};
