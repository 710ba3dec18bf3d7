// What the check-in API takes and says: the patient's confirmations and
// changes (which wait for staff review), the current values beside them,
// and when check-in and "I'm here" are open. Times are UTC instants.
import { type Static, type TSchema, Type } from 'typebox';
import { AppointmentView, Uuid } from './model.ts';
import { APPOINTMENT_STATUSES } from './tables.ts';

const Instant = Type.String({ format: 'date-time' });
const Maybe = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const MEDICATION_ANSWERS = ['taking', 'not_taking', 'new'] as const;
export const ALLERGY_ANSWERS = ['allergic', 'not_allergic', 'new'] as const;
/** The parts of a check-in, in the order the page asks them. */
export const CHECK_IN_SECTIONS = [
  'demographics',
  'insurance',
  'medications',
  'allergies',
  'questionnaire',
] as const;
export type CheckInSection = (typeof CHECK_IN_SECTIONS)[number];

export const CHECK_IN_REFUSALS = [
  'not_live',
  'not_confirmed',
  'not_yet',
  'started',
  'arrived',
  'reviewed',
] as const;
export type CheckInRefusal = (typeof CHECK_IN_REFUSALS)[number];
export const ARRIVAL_REFUSALS = ['not_live', 'not_confirmed', 'not_yet', 'too_late'] as const;
export type ArrivalRefusal = (typeof ARRIVAL_REFUSALS)[number];

// ---- What the patient sends ------------------------------------------------

const Phone = Type.String({
  pattern: '^\\+?[0-9][0-9 ().-]{5,28}[0-9]$',
  description: 'digits, spaces, ( ) . - and a leading +',
});
const Email = Type.String({ format: 'email', maxLength: 254 });
const Note = Type.String({ maxLength: 500 });

export const InsuranceBody = Type.Object(
  {
    payer: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'the insurance company or plan',
    }),
    memberId: Type.String({ minLength: 1, maxLength: 50 }),
    groupNumber: Type.Optional(Type.String({ maxLength: 50 })),
  },
  { additionalProperties: false },
);

/** One line of the medication or allergy list: a known entry (by id) confirmed or not, or a new one. */
const ListAnswer = <T extends readonly string[]>(answers: T) =>
  Type.Object(
    {
      id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
      status: Type.Enum(answers),
      text: Type.Optional(Note),
    },
    { additionalProperties: false },
  );

export const CheckInBody = Type.Object(
  {
    demographics: Type.Object(
      { phone: Type.Optional(Phone), email: Type.Optional(Email) },
      { additionalProperties: false, description: 'only the values that changed' },
    ),
    insurance: Type.Optional(InsuranceBody),
    medications: Type.Array(ListAnswer(MEDICATION_ANSWERS), { maxItems: 100 }),
    allergies: Type.Array(ListAnswer(ALLERGY_ANSWERS), { maxItems: 100 }),
    questionnaireResponse: Type.Optional(
      Type.Object(
        {
          resourceType: Type.Literal('QuestionnaireResponse'),
          status: Type.Literal('completed'),
          questionnaire: Type.Optional(Type.String({ maxLength: 500 })),
          item: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 200 })),
        },
        {
          additionalProperties: false,
          description: "a FHIR R4 QuestionnaireResponse to the visit type's questionnaire",
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CheckInBody = Static<typeof CheckInBody>;

// ---- What the portal knows now ----------------------------------------------

const Insurance = Type.Object({
  payer: Type.String(),
  memberId: Type.String(),
  groupNumber: Maybe(Type.String()),
});
export type Insurance = Static<typeof Insurance>;

export const CurrentValues = Type.Object({
  demographics: Type.Object({
    givenName: Type.String(),
    familyName: Type.String(),
    birthDate: Type.String({ format: 'date' }),
    phone: Maybe(Type.String()),
    email: Maybe(Type.String()),
  }),
  insurance: Maybe(Insurance),
  medications: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      instructions: Type.Array(Type.String()),
    }),
  ),
  allergies: Type.Array(
    Type.Object({
      id: Type.String(),
      substance: Type.String(),
      reactions: Type.Array(Type.String()),
    }),
  ),
});
export type CurrentValues = Static<typeof CurrentValues>;

// ---- What the patient said (stored for review) ------------------------------

const Change = Type.Object({ from: Maybe(Type.String()), to: Type.String() });
const ListChange = <T extends readonly string[]>(answers: T) =>
  Type.Object({
    id: Maybe(Type.String()),
    /** The entry's name when the patient answered (null for a new one: see text). */
    name: Maybe(Type.String()),
    status: Type.Enum(answers),
    text: Type.String(),
  });

export const CheckInChanges = Type.Object({
  demographics: Type.Object({ phone: Type.Optional(Change), email: Type.Optional(Change) }),
  insurance: Maybe(Insurance),
  medications: Type.Array(ListChange(MEDICATION_ANSWERS)),
  allergies: Type.Array(ListChange(ALLERGY_ANSWERS)),
});
export type CheckInChanges = Static<typeof CheckInChanges>;

const Window = <T extends readonly string[]>(refusals: T) =>
  Type.Object({
    open: Type.Boolean(),
    opensAt: Instant,
    closesAt: Instant,
    /** Why it is not open now; null when open. */
    refusal: Maybe(Type.Enum(refusals)),
  });

const FhirResource = Type.Unknown({ description: 'a FHIR R4 resource as JSON' });

export const CheckInView = Type.Object({
  appointment: AppointmentView,
  checkIn: Window(CHECK_IN_REFUSALS),
  arrival: Window(ARRIVAL_REFUSALS),
  current: CurrentValues,
  /** The visit type's FHIR Questionnaire, or null. */
  questionnaire: FhirResource,
  submission: Maybe(
    Type.Object({
      submittedAt: Instant,
      reviewedAt: Maybe(Instant),
      changes: CheckInChanges,
      questionnaireResponse: FhirResource,
    }),
  ),
});
export type CheckInView = Static<typeof CheckInView>;

// ---- Staff review -------------------------------------------------------------

export const CheckInSummary = Type.Object({
  appointmentId: Uuid,
  clinicId: Uuid,
  clinicName: Type.String(),
  timeZone: Type.String(),
  startsAt: Instant,
  status: Type.Enum(APPOINTMENT_STATUSES),
  visitTypeName: Type.Object({ en: Type.String(), es: Type.String() }),
  providerName: Type.String(),
  patient: Type.Object({
    id: Uuid,
    name: Type.Object({ given: Type.String(), family: Type.String() }),
    birthDate: Type.String({ format: 'date' }),
  }),
  submittedAt: Instant,
  reviewedAt: Maybe(Instant),
  reviewedBy: Maybe(Type.String()),
  /** The parts in which the patient changed or added something. */
  changed: Type.Array(Type.Enum(CHECK_IN_SECTIONS)),
});
export type CheckInSummary = Static<typeof CheckInSummary>;

export const CheckInPage = Type.Object({
  checkIns: Type.Array(CheckInSummary),
  page: Type.Integer(),
  hasMore: Type.Boolean(),
});

export const CheckInDetail = Type.Object({
  summary: CheckInSummary,
  current: CurrentValues,
  changes: CheckInChanges,
  questionnaire: FhirResource,
  questionnaireResponse: FhirResource,
});
export type CheckInDetail = Static<typeof CheckInDetail>;

export const CheckInListQuery = Type.Object(
  {
    clinicId: Type.Optional(Uuid),
    show: Type.Union([Type.Literal('unreviewed'), Type.Literal('all')], { default: 'all' }),
    page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
  },
  { additionalProperties: false },
);
export type CheckInListQuery = Static<typeof CheckInListQuery>;
