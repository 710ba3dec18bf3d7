// Loads the Synthea patients in fixtures/synthea into the demo EHR, made to
// look current and registered at the pilot clinics:
// - every date and dateTime of a patient moves by one whole number of weeks
//   (weekdays and times of day stay), so the latest lands 1–2 weeks ago and
//   ages stay consistent (birthDate moves too);
// - each patient gets an MRN per clinic (system urn:patient-portal:mrn:<slug>)
//   and a clinic tag, a managing organization and a family doctor there;
// - urn:uuid references become Type/id (the router matches only those);
// - Claim and ExplanationOfBenefit are left out: billing the portal never
//   reads, whose coverage periods run a year past the last visit;
// - the Organization and Practitioner each bundle repeats are kept once;
// - active prescriptions get refills and pharmacy fills (fills.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Identifier, Patient, Resource } from '@medplum/fhirtypes';
import { addDays, ymd } from '../../platform/time/zoned-time.ts';
import { mrnSystem } from '../identifiers.ts';
import { clinicians, demoClinic, NPI_SYSTEM, organizationId, practitionerId } from './directory.ts';
import { addFills } from './fills.ts';

export const FIXTURES_DIR = path.resolve(import.meta.dirname, '../../../fixtures/synthea');

export const CLINIC_TAG_SYSTEM = 'urn:patient-portal:clinic';

export interface RosterEntry {
  file: string;
  /** clinic slug → MRN, first = where the patient mostly goes. */
  mrns: Record<string, string>;
}

/** Who is registered where. RFM-100201 and RFM-100202 hold the demo patient and proxy accounts. */
export const roster: RosterEntry[] = [
  entry('Jill_Tillman_c4b7d178-c437-4202-9fb0-1b64afb8bc09', { riverside: 'RFM-100201' }),
  entry('Claudie_Walsh_498377b3-e385-40ab-9acd-06b657e2f599', {
    riverside: 'RFM-100202',
    prairie: 'PHC-200311',
  }),
  entry('Margarita_Montalvo_87ad8ed4-e0ef-498b-a2db-1d8d61368f8a', { riverside: 'RFM-100203' }),
  entry('Jose_Maria_Casares_35f4e907-09d2-4a9d-8888-b9f8d860ce05', {
    foothills: 'FCC-300415',
    riverside: 'RFM-100204',
  }),
  entry('Gayla_Ferry_259bc6c6-9c1d-43e9-bd25-7539cf07f8ac', { prairie: 'PHC-200312' }),
  entry('Chad_Quigley_b9737c68-296c-46fa-9a3c-aca513681a73', { prairie: 'PHC-200313' }),
  entry('Agustin_Fonseca_cb5696d9-a0de-4f49-94f9-433f96a28eb0', {
    prairie: 'PHC-200314',
    foothills: 'FCC-300416',
  }),
  entry('Hernan_Carrion_c135a021-10ad-4c23-b03d-64013e85a405', { foothills: 'FCC-300417' }),
  entry('Asa_Hermiston_4384bf23-1dc3-48ca-8c84-89fbaff201ae', { foothills: 'FCC-300418' }),
  entry('Luigi_Wiegand_e27d88b0-c5e5-4042-ad49-184f6a900ee3', { riverside: 'RFM-100205' }),
];

function entry(name: string, mrns: Record<string, string>): RosterEntry {
  return { file: `${name}.json`, mrns };
}

const LEFT_OUT = new Set(['Claim', 'ExplanationOfBenefit']);
const SHARED = new Set(['Organization', 'Practitioner']);
const DATE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
const WEEK = 7 * 86_400_000;
/** Keys whose string values are never dates (skipped for speed and safety). */
const NOT_DATES = new Set(['reference', 'system', 'url', 'id', 'div', 'code', 'display', 'text']);

/** Loads every roster patient; returns how many resources it created. */
export async function loadFixtures(
  repo: MemoryRepository,
  now = new Date(),
  dir = FIXTURES_DIR,
): Promise<number> {
  const shared = new Map<string, string>(); // Organization id / Practitioner NPI → 'Type/id'
  let created = 0;
  for (const patient of roster) {
    const bundle = JSON.parse(fs.readFileSync(path.join(dir, patient.file), 'utf8')) as Bundle;
    const resources = prepareBundle(bundle, patient, shared, now);
    created += await createMissing(repo, [...resources, ...addFills(resources, patient.mrns, now)]);
  }
  return created;
}

/** The bundle's resources, ready to store (see the top of this file). */
export function prepareBundle(
  bundle: Bundle,
  patient: RosterEntry,
  shared: Map<string, string>,
  now: Date,
): Resource[] {
  const refs = new Map<string, string>(); // urn:uuid:… → Type/id
  const kept: Resource[] = [];
  for (const e of bundle.entry ?? []) {
    const r = e.resource;
    if (!r?.id || LEFT_OUT.has(r.resourceType)) continue;
    const key = sharedKey(r);
    const first = key ? shared.get(key) : undefined;
    refs.set(e.fullUrl ?? `urn:uuid:${r.id}`, first ?? `${r.resourceType}/${r.id}`);
    if (first) continue;
    if (key) shared.set(key, `${r.resourceType}/${r.id}`);
    kept.push(r);
  }
  const days = shiftDays(
    kept.filter((r) => !SHARED.has(r.resourceType)),
    now,
  );
  for (const r of kept) {
    rewrite(r, refs, SHARED.has(r.resourceType) ? 0 : days);
    if (r.resourceType === 'Patient') register(r, patient.mrns);
  }
  return kept;
}

function sharedKey(r: Resource): string | undefined {
  if (r.resourceType === 'Organization') return `Organization/${r.id}`;
  if (r.resourceType === 'Practitioner') {
    const npi = r.identifier?.find((i) => i.system === NPI_SYSTEM)?.value;
    return npi ? `NPI/${npi}` : undefined;
  }
  return undefined;
}

/** Creates the resources the repository does not have yet (by type and id); returns how many. */
export async function createMissing(
  repo: MemoryRepository,
  resources: Resource[],
): Promise<number> {
  let added = 0;
  for (const r of resources) {
    try {
      await repo.readResource(r.resourceType, r.id as string);
    } catch {
      await repo.createResource(r);
      added++;
    }
  }
  return added;
}

/**
 * Whole weeks that move the latest date of `resources` to between 7 and 13
 * days before `now`'s date.
 */
export function shiftDays(resources: Resource[], now: Date): number {
  let latest = Number.NEGATIVE_INFINITY;
  const visit = (value: string) => {
    const m = DATE.exec(value);
    if (m) latest = Math.max(latest, Date.parse(m[1] as string));
  };
  for (const r of resources) walkStrings(r, visit);
  if (!Number.isFinite(latest)) return 0;
  const target = Date.parse(ymd(now.getTime())) - WEEK;
  return Math.floor((target - latest) / WEEK) * 7;
}

/** A date or dateTime moved by `days`; the time and offset stay as written. */
export function shiftDate(value: string, days: number): string {
  const m = DATE.exec(value);
  return m ? addDays(m[1] as string, days) + (m[2] ?? '') : value;
}

function rewrite(resource: Resource, refs: Map<string, string>, days: number) {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const v = node[i];
        if (typeof v === 'string') node[i] = days ? shiftDate(v, days) : v;
        else visit(v);
      }
    } else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      for (const [k, v] of Object.entries(obj)) {
        if (typeof v !== 'string') visit(v);
        else if (k === 'reference') obj[k] = refs.get(v) ?? v;
        else if (days && !NOT_DATES.has(k)) obj[k] = shiftDate(v, days);
      }
    }
  };
  visit(resource);
}

function walkStrings(node: unknown, fn: (value: string) => void, key = ''): void {
  if (typeof node === 'string') {
    if (!NOT_DATES.has(key)) fn(node);
  } else if (Array.isArray(node)) {
    for (const v of node) walkStrings(v, fn, key);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) walkStrings(v, fn, k);
  }
}

/** MRNs, clinic tags, the managing clinic and a family doctor who speaks the patient's language. */
function register(patient: Patient, mrns: Record<string, string>) {
  const slugs = Object.keys(mrns);
  const home = slugs[0] as string;
  patient.identifier = [
    ...(patient.identifier ?? []),
    ...slugs.map(
      (slug): Identifier => ({
        use: 'usual',
        type: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v2-0203',
              code: 'MR',
              display: 'Medical record number',
            },
          ],
          text: 'MRN',
        },
        system: mrnSystem(slug),
        value: mrns[slug],
        assigner: {
          reference: `Organization/${organizationId(slug)}`,
          display: demoClinic(slug).name,
        },
      }),
    ),
  ];
  patient.meta = {
    ...patient.meta,
    tag: [
      ...(patient.meta?.tag ?? []),
      ...slugs.map((code) => ({ system: CLINIC_TAG_SYSTEM, code })),
    ],
  };
  patient.managingOrganization = { reference: `Organization/${organizationId(home)}` };
  const language = patient.communication?.[0]?.language.coding?.[0]?.code?.slice(0, 2) ?? 'en';
  const doctors = clinicians.filter((c) => c.clinic === home && c.role === 'doctor');
  const doctor =
    doctors.find((c) => c.languages[0] === language || c.languages.includes(language)) ??
    doctors[0];
  if (doctor)
    patient.generalPractitioner = [{ reference: `Practitioner/${practitionerId(doctor)}` }];
}
