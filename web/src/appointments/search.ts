// The find-a-time search as the page keeps it, and the request it makes.
// Empty strings stand for "any" (provider, time of day) and "no date".
import { TIMES_OF_DAY } from '../../../src/modules/scheduling/tables.ts';
import type { ClinicOptions, TimeOfDay, VisitType } from './types.ts';

export { TIMES_OF_DAY };

export interface Search {
  clinicId: string;
  visitTypeId: string;
  providerId: string;
  from: string;
  to: string;
  timeOfDay: TimeOfDay | '';
}

export const emptySearch = (clinicId = '', visitTypeId = ''): Search => ({
  clinicId,
  visitTypeId,
  providerId: '',
  from: '',
  to: '',
  timeOfDay: '',
});

/** Where a search starts: the appointment being moved, else the first clinic. */
export function startingSearch(
  clinics: ClinicOptions[],
  moving?: { clinicId: string; visitTypeId: string },
): Search {
  if (moving) return emptySearch(moving.clinicId, moving.visitTypeId);
  return emptySearch(clinics[0]?.clinic.id ?? '');
}

/** GET /api/scheduling/slots for one page of the search. */
export function slotsPath(search: Search, page: number): string {
  const q = new URLSearchParams({ clinicId: search.clinicId, visitTypeId: search.visitTypeId });
  if (search.providerId) q.set('providerId', search.providerId);
  if (search.from) q.set('from', search.from);
  if (search.to) q.set('to', search.to);
  if (search.timeOfDay) q.set('timeOfDay', search.timeOfDay);
  q.set('page', String(page));
  return `/api/scheduling/slots?${q}`;
}

/** Without dates the first page is the first available times. */
export const isFirstAvailable = (search: Search) => !search.from && !search.to;

/** The form's own check before asking the server (which checks again). */
export function rangeProblem(search: Pick<Search, 'from' | 'to'>): 'badRange' | null {
  return search.from && search.to && search.to < search.from ? 'badRange' : null;
}

/** The providers who offer a visit type, as the clinic lists them. */
export function providersFor(options: ClinicOptions, visitType: VisitType | undefined) {
  if (!visitType) return [];
  return options.providers.filter((p) => visitType.providerIds.includes(p.id));
}

/** Online and by-request visit types first, then the ones to call about, each by name. */
export function orderedVisitTypes(options: ClinicOptions, lang: 'en' | 'es'): VisitType[] {
  const rank = (v: VisitType) => (v.booking === 'offline' ? 1 : 0);
  return [...options.visitTypes].sort(
    (a, b) => rank(a) - rank(b) || a.name[lang].localeCompare(b.name[lang], lang),
  );
}

export const uiLanguage = (lang: string | undefined): 'en' | 'es' => (lang === 'es' ? 'es' : 'en');
