// Shapes of the staff patient API (src/modules/patients/model.ts).

export type AccountState = 'none' | 'invited' | 'active' | 'locked';
export type Relationship = 'parent' | 'guardian' | 'caregiver' | 'other';
export const RELATIONSHIPS: readonly Relationship[] = ['parent', 'guardian', 'caregiver', 'other'];

export interface PatientName {
  given: string;
  family: string;
}

export interface Registration {
  clinicId: string;
  clinicName: string;
  mrn: string;
}

export interface PatientSummary {
  id: string;
  name: PatientName;
  birthDate: string;
  clinics: Registration[];
  accountState: AccountState;
}

export interface PatientPage {
  patients: PatientSummary[];
  total: number;
  page: number;
  pageSize: number;
}

export interface ProxyGrant {
  id: string;
  proxyUserId: string;
  proxyName: string;
  proxyEmail: string;
  relationship: Relationship;
  expiresAt: string;
  grantedAt: string;
  active: boolean;
}

export interface PatientRecord {
  patient: {
    id: string;
    name: PatientName;
    birthDate: string;
    email: string | null;
    phone: string | null;
  };
  clinics: Registration[];
  account: {
    userId: string;
    email: string;
    status: 'active' | 'disabled';
    state: AccountState;
    lockedUntil: string | null;
    mfaEnabled: boolean;
  } | null;
  activationCode: { expiresAt: string } | null;
  proxies: ProxyGrant[];
}

export interface IssuedCode {
  code: string;
  expiresAt: string;
  letter: { patientName: string; clinicName: string; clinicPhone: string; activateUrl: string };
}

/** The body of POST /api/staff/patients/search: no clinic means all of mine. */
export function searchBody(search: { q: string; clinicId: string; page: number }) {
  return {
    q: search.q,
    page: search.page,
    ...(search.clinicId ? { clinicId: search.clinicId } : {}),
  };
}

/** "Family, Given": how a clinic lists and reads names. */
export const listName = (name: PatientName) => `${name.family}, ${name.given}`;

export const pageCount = (total: number, pageSize: number) =>
  Math.max(1, Math.ceil(total / Math.max(1, pageSize)));

/** A date input's "YYYY-MM-DD" as the start of that day in UTC, for an expiry. */
export function startOfDayUtc(ymd: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(ymd)) return null;
  const date = new Date(`${ymd}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** A patient in the clinic's EHR, as POST /api/staff/ehr-patients/search lists them. */
export interface EhrCandidate {
  ehrPatientId: string;
  name: PatientName;
  birthDate: string | null;
  gender: string | null;
  mrn: string | null;
  linkedPatientId: string | null;
}

export interface EhrSearchForm {
  clinicId: string;
  mrn: string;
  family: string;
  given: string;
  birthDate: string;
}

/**
 * The body of POST /api/staff/ehr-patients/search: by MRN when one is given,
 * else by family name and birth date (and the given name when typed); null
 * when the form holds too little to search by.
 */
export function ehrSearchBody(form: EhrSearchForm) {
  const text = (v: string) => v.replace(/\s+/g, ' ').trim();
  const mrn = text(form.mrn);
  if (mrn) return { clinicId: form.clinicId, mrn };
  const family = text(form.family);
  const given = text(form.given);
  if (!family || !form.birthDate) return null;
  return {
    clinicId: form.clinicId,
    family,
    birthDate: form.birthDate,
    ...(given ? { given } : {}),
  };
}
