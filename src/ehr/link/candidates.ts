// Finding a patient in the EHR for staff to link: the FHIR search a staff
// member's form becomes, and each EHR Patient as a candidate row (with the
// MRN at the clinic and the portal patient already linked to it, if any).
import type { Patient } from '@medplum/fhirtypes';
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import type { SearchParams } from '../gateway/gateway.ts';
import { mrnAt, mrnSystem } from '../identifiers.ts';
import { demographicsOf } from '../reconcile/demographics.ts';

export const MAX_CANDIDATES = 20;

export interface EhrSearchInput {
  mrn?: string;
  family?: string;
  given?: string;
  birthDate?: string;
}

export interface Candidate {
  ehrPatientId: string;
  name: { given: string; family: string };
  birthDate: string | null;
  gender: string | null;
  mrn: string | null;
  linkedPatientId: string | null;
}

const tidy = (v: string | undefined) => v?.replace(/\s+/g, ' ').trim() || undefined;

/** The FHIR Patient search for the form: by the clinic's MRN, or by family name and birth date. */
export function searchParams(input: EhrSearchInput, clinicSlug: string): SearchParams {
  const mrn = tidy(input.mrn);
  if (mrn) return { identifier: `${mrnSystem(clinicSlug)}|${mrn}`, _count: String(MAX_CANDIDATES) };
  const family = tidy(input.family);
  const given = tidy(input.given);
  if (!family || !input.birthDate)
    throw new ApiError(
      400,
      'search_needs_more',
      'Search by MRN, or by family name and birth date (a given name narrows it further).',
    );
  return {
    family,
    birthdate: input.birthDate,
    ...(given ? { given } : {}),
    _count: String(MAX_CANDIDATES),
  };
}

/** Each EHR Patient as a row for the results table. */
export async function candidatesOf(
  db: Kysely<Schema>,
  found: Patient[],
  clinicSlug: string,
): Promise<Candidate[]> {
  const withIds = found.filter((p): p is Patient & { id: string } => Boolean(p.id));
  const linked = await linkedPatients(
    db,
    withIds.map((p) => p.id),
  );
  return withIds.slice(0, MAX_CANDIDATES).map((p) => {
    const d = demographicsOf(p);
    return {
      ehrPatientId: p.id,
      name: { given: d.givenName, family: d.familyName },
      birthDate: d.birthDate || null,
      gender: p.gender ?? null,
      mrn: mrnAt(p, clinicSlug),
      linkedPatientId: linked.get(p.id) ?? null,
    };
  });
}

/** EHR Patient id → the portal patient linked to it. */
async function linkedPatients(db: Kysely<Schema>, ehrIds: string[]) {
  if (ehrIds.length === 0) return new Map<string, string>();
  const rows = await db
    .selectFrom('patients')
    .select(['id', 'ehr_patient_id'])
    .where('ehr_patient_id', 'in', ehrIds)
    .execute();
  return new Map(rows.map((r) => [r.ehr_patient_id as string, r.id]));
}
