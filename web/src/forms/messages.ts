import type { TFunction } from 'i18next';
import { ApiError } from '../api.ts';
import { dateTime } from '../i18n/format.ts';
import type { ServerFieldProblem, Wording } from './problems.ts';

// Error codes with a translated message; other codes show the server's own
// message (English), which is still better than nothing.
const TRANSLATED = [
  'invalid_credentials',
  'too_many_attempts',
  'too_many_requests',
  'session_expired',
  'session_ended',
  'sign_in_required',
  'second_factor_required',
  'reauthentication_required',
  'forbidden',
  'csrf_failed',
  'activation_failed',
  'already_activated',
  'no_email_on_file',
  'email_taken',
  'same_email',
  'invalid_token',
  'invalid_code',
  'wrong_password',
  'passkey_failed',
  'passkey_not_added',
  'passkey_exists',
  'too_many_passkeys',
  'last_factor',
  'mfa_required',
  'no_account',
  'own_record',
  'internal_error',
  'not_found',
  'ehr_unavailable',
  'search_needs_more',
] as const;
type Translated = (typeof TRANSLATED)[number];

const isTranslated = (code: string): code is Translated =>
  (TRANSLATED as readonly string[]).includes(code);

function retryAfter(error: ApiError): string | null {
  const details = error.details as { retryAfter?: unknown } | undefined;
  return typeof details?.retryAfter === 'string' ? details.retryAfter : null;
}

/**
 * The server explains a refused password in English only (weak_password has
 * no reason code yet); the known explanations are recognised and translated.
 */
export function weakPasswordReason(
  message: string,
): 'tooShort' | 'tooLong' | 'common' | 'personal' | null {
  if (/at least \d+ characters/.test(message)) return 'tooShort';
  if (/at most \d+ characters/.test(message)) return 'tooLong';
  if (/most common/.test(message)) return 'common';
  if (/name or e-mail/.test(message)) return 'personal';
  return null;
}

/** A message for any failure, in the reader's language where we know the code. */
export function errorMessage(t: TFunction, lang: string, error: unknown): string {
  if (error instanceof Error && error.name === 'StepUpCancelled') return t('stepUp.cancelled');
  if (!(error instanceof ApiError)) return t('apiErrors.network');
  if (error.code === 'too_many_attempts') {
    const at = retryAfter(error);
    if (at) return t('apiErrors.too_many_attempts_until', { time: dateTime(lang, at) });
  }
  if (error.code === 'weak_password') {
    const reason = weakPasswordReason(error.message);
    if (reason) return t(`password.weak.${reason}`);
  }
  if (isTranslated(error.code)) return t(`apiErrors.${error.code}`);
  return error.message;
}

/** The server explains field problems in English; the common ones are translated here. */
export function fieldMessage(t: TFunction, problem: ServerFieldProblem): string {
  if (problem.message === 'is required') return t('forms.required');
  if (problem.message.startsWith('must be a valid')) return t('forms.invalidFormat');
  if (problem.message === 'is not in the expected format') return t('forms.invalidFormat');
  return problem.message;
}

export function wording(t: TFunction, lang: string): Wording {
  return {
    error: (error) => errorMessage(t, lang, error),
    field: (problem) => fieldMessage(t, problem),
  };
}
