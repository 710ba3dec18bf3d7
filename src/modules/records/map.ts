// From cached FHIR resources to what a patient reads. The cache only holds
// resources that passed the sync's checks, but optional fields can still be
// anything, so every reader here tolerates a missing or odd field.
import type { Static } from 'typebox';
import type { Allergy, Condition, Encounter, Immunization, Medication, Result } from './model.ts';

type Json = Record<string, unknown>;
/** Display names of referenced practitioners and organisations ("Practitioner/1" → name). */
export type Names = Map<string, string>;

const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A CodeableConcept in words: its text, else the first coding's display, else its code. */
export function conceptText(concept: unknown): string | null {
  const c = obj(concept);
  if (str(c.text)) return c.text as string;
  for (const coding of list(c.coding)) {
    const display = str(obj(coding).display) ?? str(obj(coding).code);
    if (display) return display;
  }
  return null;
}

const code = (concept: unknown) => str(obj(list(obj(concept).coding)[0]).code);

/** Who a Reference points to, in words. */
export function referenceName(ref: unknown, names: Names): string | null {
  const r = obj(ref);
  return str(r.display) ?? (str(r.reference) ? (names.get(r.reference as string) ?? null) : null);
}

export function referencesOf(resource: Json): string[] {
  const refs = [
    resource.requester,
    resource.serviceProvider,
    ...list(resource.participant).flatMap((p) => [obj(p).individual, obj(p).actor]),
    ...list(resource.performer).map((p) => obj(p).actor),
  ];
  return refs.map((r) => str(obj(r).reference)).filter((r): r is string => r !== null);
}

export function toMedication(r: Json, names: Names): Static<typeof Medication> {
  const dosages = list(r.dosageInstruction).map(obj);
  return {
    id: String(r.id),
    name:
      conceptText(r.medicationCodeableConcept) ??
      referenceName(r.medicationReference, names) ??
      'Medication',
    status: str(r.status) ?? 'unknown',
    prescribedOn: str(r.authoredOn),
    prescriber: referenceName(r.requester, names),
    instructions: dosages.map(dosageText).filter((t): t is string => t !== null),
    asNeeded: dosages.some((d) => d.asNeededBoolean === true || d.asNeededCodeableConcept),
    reason: conceptText(list(r.reasonCode)[0]),
  };
}

const PERIOD_UNITS: Record<string, [string, string]> = {
  s: ['second', 'seconds'],
  min: ['minute', 'minutes'],
  h: ['hour', 'hours'],
  d: ['day', 'days'],
  wk: ['week', 'weeks'],
  mo: ['month', 'months'],
  a: ['year', 'years'],
};

/** "2 tablets twice a day, as needed": the EHR's own text when it has one. */
export function dosageText(dosage: Json): string | null {
  if (str(dosage.text)) return dosage.text as string;
  const parts: string[] = [];
  const dose = obj(obj(list(dosage.doseAndRate)[0]).doseQuantity);
  const amount = num(dose.value);
  if (amount !== null)
    parts.push(`${formatNumber(amount)} ${str(dose.unit) ?? (amount === 1 ? 'dose' : 'doses')}`);
  const repeat = obj(obj(dosage.timing).repeat);
  const frequency = num(repeat.frequency) ?? 1;
  const period = num(repeat.period);
  const unit = PERIOD_UNITS[str(repeat.periodUnit) ?? ''];
  if (period !== null && unit) {
    const times = frequency === 1 ? 'once' : frequency === 2 ? 'twice' : `${frequency} times`;
    parts.push(
      period === 1 ? `${times} a ${unit[0]}` : `${times} every ${formatNumber(period)} ${unit[1]}`,
    );
  }
  if (dosage.asNeededBoolean === true) parts.push('as needed');
  return parts.length ? parts.join(', ') : null;
}

export function toAllergy(r: Json): Static<typeof Allergy> {
  return {
    id: String(r.id),
    substance: conceptText(r.code) ?? 'Allergy',
    clinicalStatus: code(r.clinicalStatus),
    verificationStatus: code(r.verificationStatus),
    type: str(r.type),
    categories: list(r.category).filter((c): c is string => typeof c === 'string'),
    criticality: str(r.criticality),
    reactions: list(r.reaction).map((reaction) => ({
      manifestations: list(obj(reaction).manifestation)
        .map(conceptText)
        .filter((t): t is string => t !== null),
      severity: str(obj(reaction).severity),
    })),
    recordedOn: str(r.recordedDate) ?? str(r.onsetDateTime),
  };
}

export function toCondition(r: Json): Static<typeof Condition> {
  return {
    id: String(r.id),
    name: conceptText(r.code) ?? 'Condition',
    clinicalStatus: code(r.clinicalStatus),
    verificationStatus: code(r.verificationStatus),
    onset: str(r.onsetDateTime) ?? str(obj(r.onsetPeriod).start) ?? str(r.onsetString),
    resolved: str(r.abatementDateTime) ?? str(obj(r.abatementPeriod).start),
    recordedOn: str(r.recordedDate),
  };
}

export function toResult(r: Json, category: string | null): Static<typeof Result> {
  const range = obj(list(r.referenceRange)[0]);
  const low = obj(range.low);
  const high = obj(range.high);
  const hasRange = Object.keys(range).length > 0;
  return {
    id: String(r.id),
    name: conceptText(r.code) ?? 'Result',
    status: str(r.status) ?? 'unknown',
    category: category ?? 'laboratory',
    takenAt:
      str(r.effectiveDateTime) ??
      str(obj(r.effectivePeriod).start) ??
      str(r.effectiveInstant) ??
      str(r.issued),
    value: observedValue(r),
    referenceRange: hasRange
      ? {
          low: num(low.value),
          high: num(high.value),
          unit: str(low.unit) ?? str(high.unit),
          text: str(range.text),
        }
      : null,
    interpretation: conceptText(list(r.interpretation)[0]),
    components: list(r.component).map((c) => ({
      name: conceptText(obj(c).code) ?? 'Result',
      value: observedValue(obj(c)),
    })),
  };
}

/** value[x] of an Observation or one of its components. */
function observedValue(r: Json): Static<typeof Result>['value'] {
  if (r.valueQuantity !== undefined) {
    const q = obj(r.valueQuantity);
    const value = num(q.value);
    const unit = str(q.unit) ?? str(q.code);
    const comparator = str(q.comparator) ?? '';
    const shown = value === null ? '' : `${comparator}${formatNumber(value)}`;
    return { value, unit, text: [shown, unit].filter(Boolean).join(' ') };
  }
  if (typeof r.valueInteger === 'number')
    return { value: r.valueInteger, unit: null, text: String(r.valueInteger) };
  const text =
    str(r.valueString) ??
    conceptText(r.valueCodeableConcept) ??
    (typeof r.valueBoolean === 'boolean' ? (r.valueBoolean ? 'yes' : 'no') : null);
  return text === null ? null : { value: null, unit: null, text };
}

export function toImmunization(r: Json, names: Names): Static<typeof Immunization> {
  return {
    id: String(r.id),
    vaccine: conceptText(r.vaccineCode) ?? 'Vaccine',
    status: str(r.status) ?? 'unknown',
    givenOn: str(r.occurrenceDateTime) ?? str(r.occurrenceString),
    performer: referenceName(obj(list(r.performer)[0]).actor, names),
  };
}

export function toEncounter(r: Json, names: Names): Static<typeof Encounter> {
  const klass = obj(r.class);
  return {
    id: String(r.id),
    type: conceptText(list(r.type)[0]) ?? conceptText(r.serviceType) ?? 'Visit',
    status: str(r.status) ?? 'unknown',
    class: str(klass.display) ?? str(klass.code),
    start: str(obj(r.period).start),
    end: str(obj(r.period).end),
    practitioners: list(r.participant)
      .map((p) => referenceName(obj(p).individual, names))
      .filter((n): n is string => n !== null),
    location:
      referenceName(obj(list(r.location)[0]).location, names) ??
      referenceName(r.serviceProvider, names),
    reasons: list(r.reasonCode)
      .map(conceptText)
      .filter((t): t is string => t !== null),
  };
}

/** Readable, not over-precise: 5.350845 → "5.35", 120 → "120", 0.004567 → "0.00457". */
export function formatNumber(n: number): string {
  if (Math.abs(n) >= 1 || n === 0) return String(Math.round(n * 100) / 100);
  return String(Number(n.toPrecision(3)));
}
