// The visit-type page's rules, free of React so they are unit tested: which
// clinics an admin keeps, a visit type's rules in plain words, the form's
// values and their checks (the limits are the server's own), and the bodies
// sent to the API.

import {
  BOOKING_MODES,
  type BookingMode,
  PATIENT_KINDS,
  type PatientKind,
  VISIT_MODES,
  type VisitMode,
} from '../../../src/modules/scheduling/tables.ts';
import {
  RULE_LIMITS,
  RULE_NUMBERS,
  type RuleNumber,
  VISIT_CODE_PATTERN,
  VISIT_NAME_MAX,
  windowIsOpen,
} from '../../../src/modules/scheduling/visit-type-limits.ts';
import { type RoleGrant, VISIT_RULES_ROLES } from '../auth/roles.ts';

export type { BookingMode, PatientKind, RuleNumber, VisitMode };
export { BOOKING_MODES, PATIENT_KINDS, RULE_LIMITS, RULE_NUMBERS, VISIT_MODES };

/** GET /api/admin/scheduling/visit-types (src/modules/scheduling/model.ts, VisitTypeView). */
export interface VisitType {
  id: string;
  clinicId: string;
  code: string;
  name: { en: string; es: string };
  booking: BookingMode;
  patients: PatientKind;
  mode: VisitMode;
  minLeadMinutes: number;
  maxDaysAhead: number;
  changeCutoffHours: number;
  maxFutureBookings: number;
  active: boolean;
  hasQuestionnaire: boolean;
  providerIds: string[];
}

export interface Provider {
  id: string;
  name: string;
  active: boolean;
}

export interface ClinicVisitTypes {
  clinic: { id: string; name: string; timeZone: string; phone: string };
  visitTypes: VisitType[];
  providers: Provider[];
}

/** The clinics whose visit types these grants keep: all for a group-wide grant, else those named. */
export function keptClinics<C extends { id: string }>(
  grants: readonly RoleGrant[],
  clinics: C[],
): C[] {
  const mine = grants.filter((g) => VISIT_RULES_ROLES.includes(g.role));
  if (mine.some((g) => g.clinicId === null)) return clinics;
  return clinics.filter((c) => mine.some((g) => g.clinicId === c.id));
}

/** A length of time in the largest whole unit: 120 minutes is 2 hours, 2880 is 2 days. */
export function duration(minutes: number): { unit: 'minutes' | 'hours' | 'days'; count: number } {
  if (minutes > 0 && minutes % 1440 === 0) return { unit: 'days', count: minutes / 1440 };
  if (minutes > 0 && minutes % 60 === 0) return { unit: 'hours', count: minutes / 60 };
  return { unit: 'minutes', count: minutes };
}

/** What the form edits; numbers stay text until they are checked. */
export interface VisitTypeForm {
  code: string;
  nameEn: string;
  nameEs: string;
  booking: BookingMode;
  patients: PatientKind;
  mode: VisitMode;
  minLeadMinutes: string;
  maxDaysAhead: string;
  changeCutoffHours: string;
  maxFutureBookings: string;
  providerIds: string[];
  active: boolean;
}

/** A new visit type starts like the usual office visit, offered by every provider. */
export const newForm = (providers: Provider[]): VisitTypeForm => ({
  code: '',
  nameEn: '',
  nameEs: '',
  booking: 'online',
  patients: 'all',
  mode: 'in_person',
  minLeadMinutes: '120',
  maxDaysAhead: '60',
  changeCutoffHours: '24',
  maxFutureBookings: '3',
  providerIds: providers.filter((p) => p.active).map((p) => p.id),
  active: true,
});

export const formOf = (v: VisitType): VisitTypeForm => ({
  code: v.code,
  nameEn: v.name.en,
  nameEs: v.name.es,
  booking: v.booking,
  patients: v.patients,
  mode: v.mode,
  minLeadMinutes: String(v.minLeadMinutes),
  maxDaysAhead: String(v.maxDaysAhead),
  changeCutoffHours: String(v.changeCutoffHours),
  maxFutureBookings: String(v.maxFutureBookings),
  providerIds: [...v.providerIds],
  active: v.active,
});

export type FormField = Exclude<keyof VisitTypeForm, 'active'>;

/** A problem with one field, named so the page can say it in the reader's language. */
export type FormProblem =
  | { field: 'code'; problem: 'required' | 'code' }
  | { field: 'nameEn' | 'nameEs'; problem: 'required' | 'tooLong'; max?: number }
  | { field: RuleNumber; problem: 'whole' | 'range'; min: number; max: number }
  | { field: 'maxDaysAhead'; problem: 'window'; minutes: number };

const WHOLE = /^\d+$/;

/** The form's problems, field by field, as the server would find them (so it seldom has to). */
export function formProblems(f: VisitTypeForm, isNew: boolean): FormProblem[] {
  const problems: FormProblem[] = [];
  if (isNew) {
    if (!f.code.trim()) problems.push({ field: 'code', problem: 'required' });
    else if (!new RegExp(VISIT_CODE_PATTERN).test(f.code.trim()))
      problems.push({ field: 'code', problem: 'code' });
  }
  for (const field of ['nameEn', 'nameEs'] as const) {
    if (!f[field].trim()) problems.push({ field, problem: 'required' });
    else if (f[field].trim().length > VISIT_NAME_MAX)
      problems.push({ field, problem: 'tooLong', max: VISIT_NAME_MAX });
  }
  for (const field of RULE_NUMBERS) {
    const { min, max } = RULE_LIMITS[field];
    const text = f[field].trim();
    if (!WHOLE.test(text)) problems.push({ field, problem: 'whole', min, max });
    else if (Number(text) < min || Number(text) > max)
      problems.push({ field, problem: 'range', min, max });
  }
  const lead = Number(f.minLeadMinutes);
  const days = Number(f.maxDaysAhead);
  if (
    !problems.some((p) => p.field === 'minLeadMinutes' || p.field === 'maxDaysAhead') &&
    !windowIsOpen({ minLeadMinutes: lead, maxDaysAhead: days })
  )
    problems.push({ field: 'maxDaysAhead', problem: 'window', minutes: lead });
  return problems;
}

const rules = (f: VisitTypeForm) => ({
  nameEn: f.nameEn.trim(),
  nameEs: f.nameEs.trim(),
  booking: f.booking,
  patients: f.patients,
  mode: f.mode,
  minLeadMinutes: Number(f.minLeadMinutes),
  maxDaysAhead: Number(f.maxDaysAhead),
  changeCutoffHours: Number(f.changeCutoffHours),
  maxFutureBookings: Number(f.maxFutureBookings),
  providerIds: f.providerIds,
});

/** POST /api/admin/scheduling/visit-types */
export const createBody = (clinicId: string, f: VisitTypeForm) => ({
  clinicId,
  code: f.code.trim(),
  ...rules(f),
});

/** PUT /api/admin/scheduling/visit-types/:id */
export const changeBody = (f: VisitTypeForm) => ({ ...rules(f), active: f.active });

/** Adds or takes away a provider, keeping the order of the clinic's list. */
export function toggled(selected: string[], id: string, on: boolean, all: Provider[]): string[] {
  const next = new Set(selected);
  if (on) next.add(id);
  else next.delete(id);
  return all.map((p) => p.id).filter((p) => next.has(p));
}
