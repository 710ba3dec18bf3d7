// The inbox's failures in the reader's language: a thread that is gone or
// not this person's to see says so plainly; anything else as the portal says it.
import type { TFunction } from 'i18next';
import { ApiError } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';

export function inboxErrorMessage(t: TFunction, lang: string, error: unknown): string {
  if (error instanceof ApiError && error.status === 404) return t('inbox.errors.notFound');
  if (error instanceof ApiError && error.status === 409) return t('inbox.errors.movedOn');
  return errorMessage(t, lang, error);
}

/** The error again, worded for the reader, for components that show `message` as is. */
export const worded = (t: TFunction, lang: string, error: unknown) =>
  error instanceof ApiError
    ? new ApiError(inboxErrorMessage(t, lang, error), error.status, 'inbox_worded')
    : error;
