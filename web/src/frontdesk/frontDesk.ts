// Shapes of the front desk API (src/modules/scheduling/staff-model.ts) and
// the small rules the pages share: times always in the clinic's zone with
// the zone named, clinic-local calendar days, and error texts by code.
import type { TFunction } from 'i18next';
import type { AppointmentStatus } from '../../../src/modules/scheduling/tables.ts';
import { ApiError } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';

export type { AppointmentStatus };
export type VisitOutcome = 'arrived' | 'no_show' | 'completed';
export type Lang = 'en' | 'es';

export interface Named {
  given: string;
  family: string;
}

export interface StaffAppointment {
  id: string;
  clinicId: string;
  clinicName: string;
  timeZone: string;
  patientId: string;
  visitTypeId: string;
  visitTypeName: { en: string; es: string };
  providerId: string;
  providerName: string;
  slotId: string;
  startsAt: string;
  endsAt: string;
  mode: 'in_person' | 'video';
  status: AppointmentStatus;
  cancelReason: string | null;
  arrivedAt: string | null;
  bookedByStaff: boolean;
  createdAt: string;
  patient: { id: string; name: Named; birthDate: string };
  checkIn: { submittedAt: string; reviewed: boolean } | null;
  staffCanChange: boolean;
  outcomes: VisitOutcome[];
}

export interface DayView {
  clinic: { id: string; name: string; timeZone: string };
  date: string;
  providers: { id: string; name: string; freeSlots: number }[];
  appointments: StaffAppointment[];
  page: number;
  hasMore: boolean;
}

export interface AppointmentPage {
  appointments: StaffAppointment[];
  total: number;
  page: number;
  hasMore: boolean;
}

export interface VisitType {
  id: string;
  name: { en: string; es: string };
  booking: 'online' | 'request' | 'offline';
  mode: 'in_person' | 'video' | 'either';
  active: boolean;
  providerIds: string[];
}

export interface ClinicOptions {
  clinic: { id: string; name: string; timeZone: string; phone: string };
  visitTypes: VisitType[];
  providers: { id: string; name: string; active: boolean }[];
}

export interface Slot {
  id: string;
  startsAt: string;
  endsAt: string;
  providerId: string;
  providerName: string;
}

export interface SlotPage {
  timeZone: string;
  slots: Slot[];
  page: number;
  hasMore: boolean;
}

export const OPTIONS_KEY = ['front-desk', 'options'] as const;

export const langOf = (lang: string | undefined): Lang => (lang === 'es' ? 'es' : 'en');

/** "Family, Given": how a clinic lists and reads names. */
export const listName = (name: Named) => `${name.family}, ${name.given}`;

/** "9:00 AM EST" in the clinic's zone. */
export function clinicTime(lang: string, iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(lang, {
    timeZone,
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** "Mon, Nov 30, 9:00 AM EST" in the clinic's zone. */
export function clinicDateTime(lang: string, iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(lang, {
    timeZone,
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(iso));
}

/** A clinic calendar day "YYYY-MM-DD" as "Sunday, November 29, 2026". */
export function dayName(lang: string, ymd: string): string {
  const [y = 1970, m = 1, d = 1] = ymd.split('-').map(Number);
  return new Intl.DateTimeFormat(lang, { dateStyle: 'full', timeZone: 'UTC' }).format(
    Date.UTC(y, m - 1, d),
  );
}

/** Today's date where the clinic is, "YYYY-MM-DD". */
export function todayIn(timeZone: string, now = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** `ymd` plus `days` calendar days. */
export function shiftDay(ymd: string, days: number): string {
  const [y = 1970, m = 1, d = 1] = ymd.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export const isDay = (value: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && shiftDay(value, 0) === value;

const DESK_ERRORS = [
  'not_found',
  'slot_taken',
  'past',
  'overlapping',
  'unavailable',
  'visit_type_not_offered',
  'not_requested',
  'not_changeable',
  'not_registered_here',
  'bad_date',
  'bad_range',
  'already',
  'not_approved',
  'closed',
  'has_arrived',
  'not_today',
  'not_started',
  'not_arrived',
] as const;
type DeskError = (typeof DESK_ERRORS)[number];

/** The desk's refusals in the reader's language; anything else as the portal says it. */
export function deskError(t: TFunction, lang: string, error: unknown): string {
  if (error instanceof ApiError && (DESK_ERRORS as readonly string[]).includes(error.code))
    return t(`frontDesk.errors.${error.code as DeskError}`);
  return errorMessage(t, lang, error);
}

/** The next open times a "just taken" refusal offers, if any. */
export function nextTimesOf(error: unknown): Slot[] {
  if (!(error instanceof ApiError) || error.code !== 'slot_taken') return [];
  const details = error.details as { nextTimes?: Slot[] } | undefined;
  return Array.isArray(details?.nextTimes) ? details.nextTimes : [];
}
