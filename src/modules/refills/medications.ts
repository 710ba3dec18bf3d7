// A patient's prescriptions with the pharmacy facts refills turn on (last
// fill, days of supply, refills left), from the local copy of the EHR: each
// MedicationRequest with the completed MedicationDispenses that name it.
import type { Kysely } from 'kysely';
import { lookupNames } from '../../ehr/sync/directory.ts';
import type { SyncedType } from '../../ehr/sync/feeds.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { localDate } from '../../platform/time/zoned-time.ts';
import { referencesOf, toMedication } from '../records/map.ts';
import { type CachedRow, cachedPage } from '../records/store.ts';

type Db = Kysely<Schema>;
type Json = Record<string, unknown>;

export const RXNORM_SYSTEM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

export interface PatientMedication {
  id: string;
  name: string;
  rxnormCode: string | null;
  status: string;
  instructions: string[];
  prescriber: string | null;
  prescribedOn: string | null;
  /** The id in the requester's 'Practitioner/<id>' reference. */
  ehrPrescriberId: string | null;
  /** YYYY-MM-DD of the latest completed dispense, on the clinic's calendar. */
  lastFilledOn: string | null;
  /** The latest dispense's days of supply, else the prescription's expected supply. */
  daysSupply: number | null;
  /** Refills allowed less those used (fills after the first); null when the EHR does not say. */
  refillsRemaining: number | null;
}

/**
 * Every prescription of the patient: active first, then the newest. Fill
 * dates are days in `timeZone` (the clinic's), as "too soon" counts them.
 */
export async function patientMedications(
  db: Db,
  patientId: string,
  timeZone = 'UTC',
): Promise<PatientMedication[]> {
  const orders = await allCached(db, patientId, 'MedicationRequest');
  const fills = fillsByOrder(await allCached(db, patientId, 'MedicationDispense'));
  const names = await lookupNames(
    db,
    orders.flatMap((o) => referencesOf(o.resource)),
  );
  return orders.map((o) => toPatientMedication(o.resource, names, fills.get(o.id) ?? [], timeZone));
}

export async function patientMedication(
  db: Db,
  patientId: string,
  id: string,
  timeZone = 'UTC',
): Promise<PatientMedication | undefined> {
  return (await patientMedications(db, patientId, timeZone)).find((m) => m.id === id);
}

/** One prescription and its completed fills, in the refills module's terms. */
export function toPatientMedication(
  order: Json,
  names: Map<string, string>,
  fills: Json[],
  timeZone = 'UTC',
): PatientMedication {
  const m = toMedication(order, names);
  const dispense = obj(order.dispenseRequest);
  const day = (f: Json) => handedOver(f, timeZone);
  const latest = fills.reduce<Json | undefined>(
    (a, f) => (a && day(a) >= day(f) ? a : f),
    undefined,
  );
  const allowed = nonNegative(dispense.numberOfRepeatsAllowed);
  return {
    id: m.id,
    name: m.name,
    rxnormCode: rxnormCode(order.medicationCodeableConcept),
    status: m.status,
    instructions: m.instructions,
    prescriber: m.prescriber,
    prescribedOn: m.prescribedOn,
    ehrPrescriberId: idIn(obj(order.requester).reference, 'Practitioner'),
    lastFilledOn: latest ? day(latest) || null : null,
    daysSupply:
      (latest ? inDays(latest.daysSupply) : null) ?? inDays(dispense.expectedSupplyDuration),
    // The first fill is not a refill; fills beyond the allowed ones leave none.
    refillsRemaining:
      allowed === null ? null : Math.max(0, allowed - Math.max(0, fills.length - 1)),
  };
}

/** Every page of one cached type (active first for prescriptions). */
async function allCached(db: Db, patientId: string, resourceType: SyncedType) {
  const rows: CachedRow[] = [];
  for (let page = 1; ; page++) {
    const next = await cachedPage(db, { patientId, resourceType, activeFirst: true, page });
    rows.push(...next.rows);
    if (!next.hasMore) return rows;
  }
}

/** Completed dispenses by the id of the prescription that authorised them. */
function fillsByOrder(dispenses: CachedRow[]): Map<string, Json[]> {
  const by = new Map<string, Json[]>();
  for (const { resource } of dispenses) {
    if (resource.status !== 'completed') continue;
    for (const ref of list(resource.authorizingPrescription)) {
      const id = idIn(obj(ref).reference, 'MedicationRequest');
      if (id) by.set(id, [...(by.get(id) ?? []), resource]);
    }
  }
  return by;
}

/**
 * The day a dispense was handed over (or prepared): a date as written, a
 * date-time as the day it was in `timeZone` (evening in Chicago is tomorrow
 * in UTC); '' when unknown.
 */
function handedOver(d: Json, timeZone: string): string {
  const when = typeof d.whenHandedOver === 'string' ? d.whenHandedOver : d.whenPrepared;
  if (typeof when !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(when)) return '';
  const instant = when.length > 10 ? Date.parse(when) : Number.NaN;
  return Number.isNaN(instant) ? when.slice(0, 10) : localDate(timeZone, instant);
}

function rxnormCode(concept: unknown): string | null {
  const coding = list(obj(concept).coding)
    .map(obj)
    .find((c) => c.system === RXNORM_SYSTEM && typeof c.code === 'string');
  return (coding?.code as string | undefined) ?? null;
}

const DAYS_PER: Record<string, number> = {
  d: 1,
  day: 1,
  days: 1,
  wk: 7,
  week: 7,
  weeks: 7,
  mo: 30,
  month: 30,
  months: 30,
};

/** A Duration or daysSupply Quantity in whole days; null when missing or in other units. */
function inDays(q: unknown): number | null {
  const { value, code, unit } = obj(q);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return null;
  const per = DAYS_PER[String(code ?? unit ?? 'd')];
  return per === undefined ? null : Math.round(value * per);
}

/** `<Type>/<id>` (relative, absolute or versioned) → id. */
function idIn(reference: unknown, type: string): string | null {
  if (typeof reference !== 'string') return null;
  const m = new RegExp(`(?:^|/)${type}/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?$`).exec(
    reference,
  );
  return m?.[1] ?? null;
}

const nonNegative = (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
