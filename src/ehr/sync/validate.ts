// What the sync will cache. Each resource the EHR sends is checked for the
// shape the portal relies on: the type asked for, an id, the fields FHIR R4
// requires for that type, a known status, and a patient reference pointing
// at this patient and no other. Anything else is quarantined with a reason
// (a short fixed phrase, never data from the resource, so it is safe to count
// and print).
import { FEEDS, type SyncedType } from './feeds.ts';

/** What the cache keeps beside the JSON, for sorting and filtering. */
export interface CacheFields {
  id: string;
  versionId: string | null;
  lastUpdated: Date | null;
  occurredAt: Date | null;
  status: string | null;
  category: string | null;
}

export type Verdict = { ok: true; fields: CacheFields } | { ok: false; reason: string };

/** A resource bigger than this is not something a portal page should carry. */
export const MAX_RESOURCE_BYTES = 512 * 1024;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const OBSERVATION_CATEGORIES = ['laboratory', 'vital-signs'];

type Json = Record<string, unknown>;

export function checkResource(type: SyncedType, ehrPatientId: string, value: unknown): Verdict {
  if (!isObject(value) || typeof value.resourceType !== 'string')
    return fail('not a FHIR resource');
  if (value.resourceType !== type) return fail('unexpected resource type');
  if (value.id === undefined) return fail('missing id');
  if (typeof value.id !== 'string' || !FHIR_ID.test(value.id)) return fail('invalid id');
  const rule = FEEDS[type];
  for (const field of rule.required)
    if (!hasField(value, field)) return fail(`missing required field ${field}`);
  const status = rule.status(value);
  if (rule.statuses && (typeof value.status !== 'string' || !rule.statuses.includes(value.status)))
    return fail('unknown status');
  const patient = checkPatient(rule.patientRefs(value), ehrPatientId);
  if (patient) return fail(patient);
  const category = rule.resourceType === 'Observation' ? observationCategory(value) : null;
  if (rule.resourceType === 'Observation' && !category)
    return fail('unexpected category (not laboratory or vital-signs)');
  const meta = isObject(value.meta) ? value.meta : {};
  const lastUpdated = meta.lastUpdated === undefined ? null : instant(meta.lastUpdated);
  if (lastUpdated === undefined) return fail('invalid meta.lastUpdated');
  const occurred = rule.occurredAt(value);
  const occurredAt = occurred === undefined ? null : instant(occurred);
  if (occurredAt === undefined) return fail('invalid clinical date');
  if (JSON.stringify(value).length > MAX_RESOURCE_BYTES) return fail('larger than 512 KB');
  return {
    ok: true,
    fields: {
      id: value.id,
      versionId: typeof meta.versionId === 'string' ? meta.versionId : null,
      lastUpdated,
      occurredAt,
      status,
      category,
    },
  };
}

const fail = (reason: string): Verdict => ({ ok: false, reason });

/** `medication[x]` is a choice: any `medication<Type>` field will do. */
function hasField(resource: Json, field: string): boolean {
  if (field.endsWith('[x]')) {
    const stem = field.slice(0, -3);
    return Object.keys(resource).some(
      (k) => k.startsWith(stem) && /^[A-Z]/.test(k.slice(stem.length)) && present(resource[k]),
    );
  }
  return present(resource[field]);
}

const present = (v: unknown) =>
  v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);

/**
 * Every reference to a patient must name this patient, in `Patient/<id>`
 * form (relative, absolute, or with a version); a resource naming no
 * patient, or also naming another one, is not cached.
 */
function checkPatient(refs: unknown[], ehrPatientId: string): string | null {
  if (refs.length === 0) return 'no patient reference';
  let ours = false;
  for (const ref of refs) {
    const id = patientIdOf(ref);
    if (id === null) return 'patient reference is not Patient/<id>';
    if (id !== ehrPatientId) return 'refers to another patient';
    ours = true;
  }
  return ours ? null : 'no patient reference';
}

const PATIENT_REF = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

export function patientIdOf(ref: unknown): string | null {
  if (!isObject(ref) || typeof ref.reference !== 'string') return null;
  return PATIENT_REF.exec(ref.reference)?.[1] ?? null;
}

function observationCategory(resource: Json): string | null {
  for (const concept of array(resource.category))
    for (const coding of array(isObject(concept) ? concept.coding : undefined))
      if (isObject(coding) && OBSERVATION_CATEGORIES.includes(coding.code as string))
        return coding.code as string;
  return null;
}

/** A FHIR date, dateTime or instant as a moment; undefined when unreadable. */
function instant(value: unknown): Date | undefined {
  if (
    typeof value !== 'string' ||
    !/^\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(value)
  )
    return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const array = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
