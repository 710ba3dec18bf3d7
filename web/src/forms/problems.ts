// Turns an API error into problems a form can show: validation details that
// name one of the form's fields go next to that field; everything else goes
// into the error summary at the top. Free of React so it can be unit tested.
import { ApiError } from '../api.ts';

export interface Problem {
  /** The form field (as the server names it) the problem belongs to, if any. */
  field?: string;
  message: string;
}

export interface ServerFieldProblem {
  field: string;
  message: string;
}

/** `details` of a validation_failed error: [{ field, message }]. */
export function serverFieldProblems(error: ApiError): ServerFieldProblem[] {
  if (!Array.isArray(error.details)) return [];
  return error.details.filter(
    (d): d is ServerFieldProblem =>
      typeof d === 'object' &&
      d !== null &&
      typeof (d as ServerFieldProblem).field === 'string' &&
      typeof (d as ServerFieldProblem).message === 'string',
  );
}

export interface Wording {
  /** The whole error in the reader's language (used when no field matches). */
  error(error: unknown): string;
  /** One field's problem in the reader's language. */
  field(problem: ServerFieldProblem): string;
}

/**
 * Problems for a form with the given fields (`codeFields`: error code → field). A server field "body.email" or
 * "email" both land on "email"; fields the form does not have (which would be
 * a bug) still show, in the summary, so nothing is swallowed.
 */
export function problemsFromError(
  error: unknown,
  fields: readonly string[],
  wording: Wording,
  codeFields: Readonly<Record<string, string>> = {},
): Problem[] {
  if (!(error instanceof ApiError)) return [{ message: wording.error(error) }];
  // Errors about one field that come without validation details (a weak
  // password, a wrong current password) still belong next to that field.
  const owner = codeFields[error.code];
  if (owner && fields.includes(owner)) return [{ field: owner, message: wording.error(error) }];
  const details = serverFieldProblems(error);
  const problems: Problem[] = [];
  for (const detail of details) {
    const field = detail.field.split('.').at(-1) ?? detail.field;
    const message = wording.field(detail);
    if (fields.includes(field) && !problems.some((p) => p.field === field))
      problems.push({ field, message });
  }
  if (problems.length === 0) return [{ message: wording.error(error) }];
  return problems;
}

/** The required fields left empty, as problems with the given message per field. */
export function missingFields(
  values: Record<string, string>,
  required: Record<string, string>,
): Problem[] {
  return Object.entries(required)
    .filter(([field]) => (values[field] ?? '').trim() === '')
    .map(([field, message]) => ({ field, message }));
}
