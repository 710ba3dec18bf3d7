// The refills API's refusals in the reader's language (the server words them
// in English); any other failure as the portal says it.
import type { TFunction } from 'i18next';
import { ApiError } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';

export const REFILL_ERRORS = [
  'not_found',
  'not_eligible',
  'no_patient_record',
  'not_cancellable',
  'no_question',
  'already_decided',
  'not_permitted',
  'busy',
] as const;
type RefillError = (typeof REFILL_ERRORS)[number];

const isRefillError = (code: string): code is RefillError =>
  (REFILL_ERRORS as readonly string[]).includes(code);

export function refillErrorMessage(t: TFunction, lang: string, error: unknown): string {
  if (error instanceof ApiError && isRefillError(error.code))
    return t(`refills.errors.${error.code}`);
  // A decision or cancellation that lost a race: the request moved on meanwhile.
  if (error instanceof ApiError && error.status === 409) return t('refills.errors.moved_on');
  return errorMessage(t, lang, error);
}

/** The error again, worded for the reader, for components that show `message` as is. */
export const worded = (t: TFunction, lang: string, error: unknown) =>
  error instanceof ApiError
    ? new ApiError(refillErrorMessage(t, lang, error), error.status, 'refill_worded')
    : error;
