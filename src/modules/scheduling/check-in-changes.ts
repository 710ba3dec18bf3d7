// What a check-in says, checked and put in the shape staff review: problems
// named by field, the changes beside the values they replace, and which
// parts changed at all.
import { ApiError } from '../../platform/errors.ts';
import type { FieldProblem } from '../../platform/http/errors.ts';
import type { CheckInBody, CheckInChanges, CurrentValues } from './check-in-model.ts';
import { answerProblems, type Questionnaire } from './questionnaire.ts';

/** Problems with what was sent, each named by its field, beyond what the schema checks. */
export function checkInProblems(
  body: CheckInBody,
  current: CurrentValues,
  questionnaire: Questionnaire | null,
): FieldProblem[] {
  return [
    ...listProblems('medications', body.medications, new Set(current.medications.map((m) => m.id))),
    ...listProblems('allergies', body.allergies, new Set(current.allergies.map((a) => a.id))),
    ...questionnaireProblems(body.questionnaireResponse, questionnaire),
  ];
}

function listProblems(
  field: 'medications' | 'allergies',
  entries: { id?: string; status: string; text?: string }[],
  known: Set<string>,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    const at = `${field}.${i}`;
    if (e.status === 'new') {
      if (e.id !== undefined)
        problems.push({ field: `${at}.id`, message: 'must be left out for a new entry' });
      if (!e.text?.trim()) problems.push({ field: `${at}.text`, message: 'is required' });
    } else if (e.id === undefined) problems.push({ field: `${at}.id`, message: 'is required' });
    else if (!known.has(e.id))
      problems.push({ field: `${at}.id`, message: `is not one of the ${field} on your record` });
    else if (seen.has(e.id)) problems.push({ field: `${at}.id`, message: 'is listed twice' });
    if (e.id !== undefined) seen.add(e.id);
  });
  return problems;
}

function questionnaireProblems(
  response: CheckInBody['questionnaireResponse'],
  questionnaire: Questionnaire | null,
): FieldProblem[] {
  if (!questionnaire)
    return response
      ? [{ field: 'questionnaireResponse', message: 'is not asked for this visit' }]
      : [];
  // No response at all is an empty one: the required questions are named.
  const given = response ?? { resourceType: 'QuestionnaireResponse', status: 'completed' };
  return answerProblems(questionnaire, given).map((p) => ({
    field: p.linkId === null ? 'questionnaireResponse' : `questionnaireResponse.${p.linkId}`,
    message: p.message,
  }));
}

export function validationFailed(problems: FieldProblem[]): ApiError {
  const [first] = problems as [FieldProblem];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new ApiError(
    400,
    'validation_failed',
    `${first.field}: ${first.message}${more}`,
    problems,
  );
}

/** What the patient changed, with the values it replaces, as staff will review it. */
export function changesOf(body: CheckInBody, current: CurrentValues): CheckInChanges {
  const demographics: CheckInChanges['demographics'] = {};
  const phone = body.demographics.phone?.trim();
  if (phone && phone !== current.demographics.phone)
    demographics.phone = { from: current.demographics.phone, to: phone };
  const email = body.demographics.email?.trim();
  if (email && email.toLowerCase() !== current.demographics.email?.toLowerCase())
    demographics.email = { from: current.demographics.email, to: email };
  const medName = new Map(current.medications.map((m) => [m.id, m.name]));
  const allergyName = new Map(current.allergies.map((a) => [a.id, a.substance]));
  return {
    demographics,
    insurance: body.insurance
      ? {
          payer: body.insurance.payer.trim(),
          memberId: body.insurance.memberId.trim(),
          groupNumber: body.insurance.groupNumber?.trim() || null,
        }
      : null,
    medications: body.medications.map((m) => ({
      id: m.id ?? null,
      name: m.id ? (medName.get(m.id) ?? null) : null,
      status: m.status,
      text: m.text?.trim() ?? '',
    })),
    allergies: body.allergies.map((a) => ({
      id: a.id ?? null,
      name: a.id ? (allergyName.get(a.id) ?? null) : null,
      status: a.status,
      text: a.text?.trim() ?? '',
    })),
  };
}

/** The parts in which the patient changed or added something (a plain confirmation is no change). */
export function changedSections(changes: CheckInChanges, answered: boolean) {
  const listChanged = (list: { status: string; text: string }[], same: string) =>
    list.some((e) => e.status !== same || e.text !== '');
  return [
    ...(Object.keys(changes.demographics).length > 0 ? (['demographics'] as const) : []),
    ...(changes.insurance ? (['insurance'] as const) : []),
    ...(listChanged(changes.medications, 'taking') ? (['medications'] as const) : []),
    ...(listChanged(changes.allergies, 'allergic') ? (['allergies'] as const) : []),
    ...(answered ? (['questionnaire'] as const) : []),
  ];
}
