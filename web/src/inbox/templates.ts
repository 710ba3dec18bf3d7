// Quick-reply templates as the clinic admin keeps them: the placeholders the
// server fills, the form's values and checks (the server's limits: name 100,
// each body 4 000 characters), and which clinics an admin keeps.
import { MESSAGE_TEMPLATE_ROLES, type RoleGrant } from '../auth/roles.ts';
import type { Template } from './types.ts';

/** Filled when a template is inserted into a reply (server: the thread's patient, clinic and you). */
export const PLACEHOLDERS = ['patientFirstName', 'clinicName', 'staffName'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const NAME_MAX = 100;
export const TEMPLATE_BODY_MAX = 4000;

export interface TemplateForm {
  name: string;
  en: string;
  es: string;
}
export type TemplateField = keyof TemplateForm;

export const emptyTemplate: TemplateForm = { name: '', en: '', es: '' };
export const formOfTemplate = (t: Template): TemplateForm => ({
  name: t.name,
  en: t.body.en,
  es: t.body.es,
});

/** {{name}}s in a text that the server does not know: it would send them as they are. */
export function unknownPlaceholders(text: string): string[] {
  const found = [...text.matchAll(/{{\s*([^}]*?)\s*}}/g)].map((m) => m[1] ?? '');
  return [...new Set(found.filter((n) => !(PLACEHOLDERS as readonly string[]).includes(n)))];
}

export type TemplateProblem =
  | { field: TemplateField; problem: 'required' }
  | { field: TemplateField; problem: 'tooLong'; max: number }
  | { field: 'en' | 'es'; problem: 'unknown'; names: string };

export function templateProblems(f: TemplateForm): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const limits: Record<TemplateField, number> = {
    name: NAME_MAX,
    en: TEMPLATE_BODY_MAX,
    es: TEMPLATE_BODY_MAX,
  };
  for (const field of ['name', 'en', 'es'] as const) {
    const text = f[field].trim();
    if (!text) problems.push({ field, problem: 'required' });
    else if (text.length > limits[field])
      problems.push({ field, problem: 'tooLong', max: limits[field] });
    else if (field !== 'name') {
      const unknown = unknownPlaceholders(text);
      if (unknown.length > 0)
        problems.push({ field, problem: 'unknown', names: unknown.join(', ') });
    }
  }
  return problems;
}

/** POST /api/staff/messages/templates; PATCH …/:id takes it without clinicId. */
export const templateBody = (f: TemplateForm) => ({
  name: f.name.trim(),
  body: { en: f.en.trim(), es: f.es.trim() },
});

/** The clinics whose templates these grants keep. */
export function templateClinics<C extends { id: string }>(
  grants: readonly RoleGrant[],
  clinics: C[],
): C[] {
  const mine = grants.filter((g) => MESSAGE_TEMPLATE_ROLES.includes(g.role));
  if (mine.some((g) => g.clinicId === null)) return clinics;
  return clinics.filter((c) => mine.some((g) => g.clinicId === c.id));
}
