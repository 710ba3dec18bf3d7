// What the records pages show: the fields a patient needs from each kind of
// clinical resource, in plain words, plus how fresh the copy is.
import { type TSchema, Type } from 'typebox';

const Text = Type.String();
const Maybe = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** A FHIR date or dateTime as the EHR wrote it ('2021', '2021-03', '2021-03-30', or with a time). */
const FhirDate = Maybe(Type.String({ description: 'FHIR date or dateTime, as recorded' }));

export const Medication = Type.Object({
  id: Text,
  name: Text,
  status: Text,
  prescribedOn: FhirDate,
  prescriber: Maybe(Text),
  instructions: Type.Array(Text, { description: 'one line per dosage instruction' }),
  asNeeded: Type.Boolean(),
  reason: Maybe(Text),
});

export const Allergy = Type.Object({
  id: Text,
  substance: Text,
  clinicalStatus: Maybe(Text),
  verificationStatus: Maybe(Text),
  type: Maybe(Text),
  categories: Type.Array(Text),
  criticality: Maybe(Text),
  reactions: Type.Array(Type.Object({ manifestations: Type.Array(Text), severity: Maybe(Text) })),
  recordedOn: FhirDate,
});

export const Condition = Type.Object({
  id: Text,
  name: Text,
  clinicalStatus: Maybe(Text),
  verificationStatus: Maybe(Text),
  onset: FhirDate,
  resolved: FhirDate,
  recordedOn: FhirDate,
});

const Quantity = Type.Object({
  value: Maybe(Type.Number()),
  unit: Maybe(Text),
  /** The value as written, for results like "<5" or "positive". */
  text: Text,
});

export const Result = Type.Object({
  id: Text,
  name: Text,
  status: Text,
  category: Text,
  takenAt: FhirDate,
  value: Maybe(Quantity),
  referenceRange: Maybe(
    Type.Object({
      low: Maybe(Type.Number()),
      high: Maybe(Type.Number()),
      unit: Maybe(Text),
      text: Maybe(Text),
    }),
  ),
  interpretation: Maybe(Text),
  /** Parts of a panel reading, e.g. systolic and diastolic blood pressure. */
  components: Type.Array(Type.Object({ name: Text, value: Maybe(Quantity) })),
});

export const Immunization = Type.Object({
  id: Text,
  vaccine: Text,
  status: Text,
  givenOn: FhirDate,
  performer: Maybe(Text),
});

export const Encounter = Type.Object({
  id: Text,
  type: Text,
  status: Text,
  class: Maybe(Text),
  start: FhirDate,
  end: FhirDate,
  practitioners: Type.Array(Text),
  location: Maybe(Text),
  reasons: Type.Array(Text),
});

/** One page of a record list, and how fresh the portal's copy of the record is. */
export const RecordPage = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    page: Type.Integer(),
    pageSize: Type.Integer(),
    hasMore: Type.Boolean(),
    syncedAt: Maybe(
      Type.String({
        format: 'date-time',
        description: 'when the record was last copied from the clinic system; null: not yet',
      }),
    ),
    stale: Type.Boolean({
      description: 'older than the configured age (a refresh is queued when possible)',
    }),
  });

export const PageQuery = Type.Object(
  { page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }) },
  { additionalProperties: false },
);
