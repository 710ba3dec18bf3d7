// Turns an EHR's error answer into an EhrError a person can read. The words
// come from the OperationOutcome's details.text and diagnostics only, cut
// short: never the resource we sent, the URL's query or the reply's body.
import type { OperationOutcome } from '@medplum/fhirtypes';
import { EhrError } from './gateway.ts';

const MAX_TEXT = 300;

/** `what` names the request without PHI, e.g. "PUT Appointment". */
export function errorFromAnswer(
  what: string,
  status: number,
  body: unknown,
  retryAfterSeconds?: number,
): EhrError {
  const said = outcomeText(body);
  const why = REASONS[status] ? ` ${REASONS[status]}` : '';
  const message = `The EHR answered ${status}${why} to ${what}${said ? `: ${said}` : ''}`;
  return new EhrError(message, status, retryAfterSeconds);
}

/** The issues' words, joined: "Precondition Failed; Resource version mismatch". */
export function outcomeText(body: unknown): string {
  if (!isOutcome(body)) return '';
  const parts: string[] = [];
  for (const issue of body.issue ?? []) {
    for (const text of [issue.details?.text, issue.diagnostics]) {
      const clean = typeof text === 'string' ? text.replace(/\s+/g, ' ').trim() : '';
      if (clean && !parts.includes(clean)) parts.push(clean);
    }
  }
  const text = parts.join('; ');
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function isOutcome(body: unknown): body is OperationOutcome {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as { resourceType?: unknown }).resourceType === 'OperationOutcome'
  );
}

const REASONS: Record<number, string> = {
  400: '(bad request)',
  401: '(not signed in: check the EHR credentials)',
  403: '(forbidden: check the scopes granted to the portal)',
  404: '(not found)',
  408: '(request time-out)',
  409: '(conflict)',
  410: '(gone)',
  412: '(precondition failed: the resource changed since it was read)',
  422: '(unprocessable)',
  429: '(too many requests)',
  500: '(server error)',
  502: '(bad gateway)',
  503: '(unavailable)',
  504: '(gateway time-out)',
};
