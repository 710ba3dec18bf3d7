// What the refills API says. Medications are the EHR's MedicationRequests
// (their ids are the EHR's); requests are the portal's, with a timeline.
import { type Static, type TSchema, Type } from 'typebox';
import { Allergy, Result } from '../records/model.ts';
import { REFILL_EVENT_KINDS, REFILL_KINDS, REFILL_STATUSES, ROUTED_TO } from './tables.ts';

const Instant = Type.String({ format: 'date-time' });
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
export const Uuid = Type.String({ format: 'uuid' });
const Maybe = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** An EHR resource id (FHIR id rules). */
export const EhrId = Type.String({ pattern: '^[A-Za-z0-9\\-.]{1,64}$', description: 'an EHR id' });
/** A text a person wrote: at least one character that is not a space (stored trimmed). */
export const Note = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });

/** Why a medication cannot be asked for online (rules.ts decides, in this order). */
export const REFUSALS = [
  'not_active',
  'schedule_ii',
  'controlled',
  'open_request',
  'too_soon',
] as const;
export type Refusal = (typeof REFUSALS)[number];

export const Eligibility = Type.Object({
  /** refill (refills remain) or renewal (none left: the prescriber decides on a new order); null when refused. */
  kind: Maybe(Type.Enum(REFILL_KINDS)),
  refusal: Maybe(Type.Enum(REFUSALS)),
  /** For too_soon: the first day it can be asked for. */
  availableOn: Maybe(Day),
});
export type Eligibility = Static<typeof Eligibility>;

export const MedicationRefill = Type.Object({
  id: EhrId,
  name: Type.String(),
  rxnormCode: Maybe(Type.String()),
  /** The EHR's status: active, on-hold, stopped, completed, … */
  status: Type.String(),
  instructions: Type.Array(Type.String()),
  prescriber: Maybe(Type.String()),
  prescribedOn: Maybe(Type.String()),
  lastFilledOn: Maybe(Day),
  daysSupply: Maybe(Type.Integer()),
  refillsRemaining: Maybe(Type.Integer()),
  /** 2–5 for a DEA-scheduled drug, else null. */
  controlledSchedule: Maybe(Type.Integer({ minimum: 2, maximum: 5 })),
  eligibility: Eligibility,
  openRequest: Maybe(Type.Object({ id: Uuid, status: Type.Enum(REFILL_STATUSES) })),
});
export type MedicationRefill = Static<typeof MedicationRefill>;

export const Pharmacy = Type.Object({
  id: Uuid,
  clinicId: Uuid,
  name: Type.String(),
  address: Type.String(),
  phone: Type.String(),
});
export type Pharmacy = Static<typeof Pharmacy>;

export const RefillEvent = Type.Object({
  kind: Type.Enum(REFILL_EVENT_KINDS),
  at: Instant,
  text: Maybe(Type.String()),
  /** Staff name for staff views; patients see "your care team". */
  by: Maybe(Type.String()),
  forPatient: Type.Boolean(),
});
export type RefillEvent = Static<typeof RefillEvent>;

export const RefillRequestView = Type.Object({
  id: Uuid,
  clinicId: Uuid,
  clinicName: Type.String(),
  patientId: Uuid,
  medicationId: EhrId,
  medicationName: Type.String(),
  kind: Type.Enum(REFILL_KINDS),
  status: Type.Enum(REFILL_STATUSES),
  pharmacy: Maybe(Pharmacy),
  note: Maybe(Type.String()),
  denyReason: Maybe(Type.String()),
  /** A question from the care team still waiting for the patient's answer. */
  awaitingAnswer: Type.Boolean(),
  createdAt: Instant,
  decidedAt: Maybe(Instant),
  /** Patients see only the events meant for them. */
  events: Type.Array(RefillEvent),
});
export type RefillRequestView = Static<typeof RefillRequestView>;

export const RefillSubmit = Type.Object(
  {
    clinicId: Uuid,
    medicationIds: Type.Array(EhrId, { minItems: 1, maxItems: 10, uniqueItems: true }),
    pharmacyId: Uuid,
    /** Keep this pharmacy as the patient's preferred one. */
    savePharmacy: Type.Boolean({ default: false }),
    note: Type.Optional(Note(1000)),
  },
  { additionalProperties: false },
);
export type RefillSubmit = Static<typeof RefillSubmit>;

export const TextBody = Type.Object({ text: Note(2000) }, { additionalProperties: false });
export const DenyBody = Type.Object({ reason: Note(1000) }, { additionalProperties: false });
export const ApproveBody = Type.Object(
  { note: Type.Optional(Note(2000)) },
  { additionalProperties: false },
);
export const RouteBody = Type.Object(
  { to: Type.Enum(ROUTED_TO), userId: Type.Optional(Uuid) },
  { additionalProperties: false },
);

/** A queue row: the request with the clinic's promise for it. */
export const QueueItem = Type.Object({
  id: Uuid,
  clinicId: Uuid,
  patientId: Uuid,
  patientName: Type.String(),
  medicationName: Type.String(),
  kind: Type.Enum(REFILL_KINDS),
  status: Type.Enum(REFILL_STATUSES),
  routedTo: Maybe(Type.Enum(ROUTED_TO)),
  createdAt: Instant,
  /** Target turnaround end: createdAt plus the clinic's business days. */
  dueAt: Instant,
  overdue: Type.Boolean(),
  awaitingAnswer: Type.Boolean(),
});
export type QueueItem = Static<typeof QueueItem>;

export const RefillMeasures = Type.Object({
  clinicId: Uuid,
  from: Instant,
  to: Instant,
  decided: Type.Integer(),
  medianHours: Maybe(Type.Number()),
  p90Hours: Maybe(Type.Number()),
  /** Share (0–1) of decided requests decided within the target; null when none were decided. */
  withinTarget: Maybe(Type.Number()),
  targetBusinessDays: Type.Integer(),
  undecided: Type.Integer(),
  overdue: Type.Integer(),
});
export type RefillMeasures = Static<typeof RefillMeasures>;

export const RefillRulesView = Type.Object({
  clinicId: Uuid,
  earlyDays: Type.Integer({ minimum: 0, maximum: 60 }),
  controlledOnline: Type.Boolean(),
  targetBusinessDays: Type.Integer({ minimum: 1, maximum: 20 }),
  protocols: Type.Array(
    Type.Object({ rxnormCode: Type.String({ pattern: '^[0-9]{1,12}$' }), name: Note(200) }),
    { maxItems: 200 },
  ),
});
export type RefillRulesView = Static<typeof RefillRulesView>;

/** A visit the reviewer sees beside the request (last one, next one). */
export const VisitRef = Type.Object({
  startsAt: Instant,
  providerName: Type.String(),
  visitTypeName: Type.String(),
});

/** What a reviewer needs on the same page: history, allergies, latest labs, visits. */
export const RefillContext = Type.Object({
  /** All the patient's medications (the EHR's MedicationRequests), any status. */
  medications: Type.Array(
    Type.Pick(MedicationRefill, [
      'id',
      'name',
      'status',
      'instructions',
      'prescriber',
      'prescribedOn',
      'lastFilledOn',
      'refillsRemaining',
    ]),
  ),
  allergies: Type.Array(Allergy),
  /** The most recent laboratory results, newest first. */
  labs: Type.Array(Result),
  lastVisit: Maybe(VisitRef),
  nextVisit: Maybe(VisitRef),
});
export type RefillContext = Static<typeof RefillContext>;

/** GET /api/staff/refills/:id: the request, what this reviewer may do, and the context. */
export const RefillReview = Type.Object({
  request: RefillRequestView,
  /** The patient's name, to say whom the request is for (optional while the route does not fill it). */
  patientName: Type.String(),
  mayApprove: Type.Boolean(),
  mayDeny: Type.Boolean(),
  context: RefillContext,
});
export type RefillReview = Static<typeof RefillReview>;

/** A pharmacy as the clinic's admin keeps it: its NCPDP id, and whether it is still offered. */
export const PharmacyEntry = Type.Object({
  ...Pharmacy.properties,
  /** The 7-digit NCPDP id e-prescribing names it by, when known. */
  ncpdpId: Maybe(Type.String()),
  /** Inactive: no longer offered to patients; kept because past requests name it. */
  active: Type.Boolean(),
});
export type PharmacyEntry = Static<typeof PharmacyEntry>;
