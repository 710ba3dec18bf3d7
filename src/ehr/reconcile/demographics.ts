// A patient's demographics as the portal keeps them (names and birth date),
// read from and written into a FHIR Patient. Pure, so both the reconcile
// check and the outbox sender use the same rules.
import type { HumanName, Patient } from '@medplum/fhirtypes';

export interface Demographics {
  givenName: string;
  familyName: string;
  birthDate: string;
}

export const DEMOGRAPHIC_FIELDS = ['givenName', 'familyName', 'birthDate'] as const;
export type DemographicField = (typeof DEMOGRAPHIC_FIELDS)[number];

const tidy = (v: string | undefined) => (v ?? '').replace(/\s+/g, ' ').trim();

/** The name the EHR uses for the patient: the official one, else the first usual or any. */
function mainName(patient: Patient): HumanName | undefined {
  const names = patient.name ?? [];
  return (
    names.find((n) => n.use === 'official') ?? names.find((n) => n.use === 'usual') ?? names[0]
  );
}

export function demographicsOf(patient: Patient): Demographics {
  const name = mainName(patient);
  return {
    givenName: tidy((name?.given ?? []).join(' ')),
    familyName: tidy(name?.family),
    birthDate: tidy(patient.birthDate),
  };
}

/** Field names that differ, compared after folding runs of spaces. */
export function differingFields(portal: Demographics, ehr: Demographics): DemographicField[] {
  return DEMOGRAPHIC_FIELDS.filter((f) => tidy(portal[f]) !== tidy(ehr[f]));
}

/** The Patient with the portal's names and birth date; everything else kept as the EHR has it. */
export function withDemographics(patient: Patient, d: Demographics): Patient {
  const names = [...(patient.name ?? [])];
  const main = mainName(patient);
  const index = main ? names.indexOf(main) : -1;
  const given = tidy(d.givenName).split(' ').filter(Boolean);
  const updated: HumanName = {
    ...(main ?? { use: 'official' }),
    given,
    family: tidy(d.familyName),
  };
  // A stored display text would still show the old name.
  delete updated.text;
  if (index >= 0) names[index] = updated;
  else names.unshift(updated);
  return { ...patient, name: names, birthDate: tidy(d.birthDate) };
}
