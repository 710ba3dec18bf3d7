// The scheduling API's refusals in the reader's language (the server words
// them in English), and the next open times a "just taken" carries.
import type { TFunction } from 'i18next';
import { ApiError } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';
import type { Slot } from './types.ts';

export const SCHEDULING_ERRORS = [
  'slot_taken',
  'past',
  'not_online',
  'new_patients_only',
  'established_patients_only',
  'too_soon',
  'too_far_ahead',
  'too_many_bookings',
  'overlapping',
  'not_changeable',
  'too_late',
  'unavailable',
  'not_registered',
  'visit_type_not_offered',
  'bad_range',
  'no_patient_record',
] as const;
type SchedulingError = (typeof SCHEDULING_ERRORS)[number];

const isSchedulingError = (code: string): code is SchedulingError =>
  (SCHEDULING_ERRORS as readonly string[]).includes(code);

export function schedulingErrorMessage(t: TFunction, lang: string, error: unknown): string {
  if (!(error instanceof ApiError) || !isSchedulingError(error.code))
    return errorMessage(t, lang, error);
  if (error.code === 'too_late') {
    const hours = (error.details as { cutoffHours?: unknown } | undefined)?.cutoffHours;
    if (typeof hours === 'number') return t('appointments.errors.too_late_hours', { hours });
  }
  return t(`appointments.errors.${error.code}`);
}

/** The open times offered with "that time was just taken" (or "has passed"). */
export function nextTimesOf(error: unknown): Slot[] {
  if (!(error instanceof ApiError) || error.status !== 409) return [];
  const times = (error.details as { nextTimes?: unknown } | undefined)?.nextTimes;
  return Array.isArray(times) ? (times as Slot[]) : [];
}
