// A clinic's booking rules, as pure functions of the facts, so one place
// decides and explains them (and property tests can try every case). The
// database's constraints still decide the races these facts cannot see.
import type { AppointmentStatus, BookingMode, PatientKind } from './tables.ts';
import { LIVE } from './tables.ts';

export interface VisitTypeRules {
  active: boolean;
  booking: BookingMode;
  patients: PatientKind;
  minLeadMinutes: number;
  maxDaysAhead: number;
  changeCutoffHours: number;
  maxFutureBookings: number;
}

export interface BookingFacts {
  now: Date;
  startsAt: Date;
  rules: VisitTypeRules;
  /** The slot's provider offers this visit type and is active; the EHR said the slot is free. */
  offered: boolean;
  /** Another live appointment, or another patient's unexpired hold, has the slot. */
  taken: boolean;
  /** The patient has been seen at the clinic before. */
  established: boolean;
  /** The patient's live upcoming appointments at the clinic (not counting one being moved). */
  futureBookings: number;
  /** Front desk booking for the patient: the online rules do not bind staff. */
  byStaff: boolean;
}

export const BOOKING_REFUSALS = [
  'unavailable',
  'not_registered',
  'slot_taken',
  'past',
  'not_online',
  'new_patients_only',
  'established_patients_only',
  'too_soon',
  'too_far_ahead',
  'too_many_bookings',
] as const;
export type BookingRefusal = (typeof BOOKING_REFUSALS)[number];

/** Why this booking may not be made, or null when every rule allows it. */
export function bookingRefusal(f: BookingFacts): BookingRefusal | null {
  if (!f.rules.active || !f.offered) return 'unavailable';
  if (f.taken) return 'slot_taken';
  if (f.startsAt <= f.now) return 'past';
  if (f.byStaff) return null;
  if (f.rules.booking === 'offline') return 'not_online';
  if (f.rules.patients === 'new' && f.established) return 'new_patients_only';
  if (f.rules.patients === 'established' && !f.established) return 'established_patients_only';
  const ahead = f.startsAt.getTime() - f.now.getTime();
  if (ahead < f.rules.minLeadMinutes * 60_000) return 'too_soon';
  if (ahead > f.rules.maxDaysAhead * 86_400_000) return 'too_far_ahead';
  if (f.futureBookings >= f.rules.maxFutureBookings) return 'too_many_bookings';
  return null;
}

/** Online booking makes a request for staff to approve when the visit type says so. */
export const statusOnBooking = (rules: VisitTypeRules, byStaff: boolean): AppointmentStatus =>
  rules.booking === 'request' && !byStaff ? 'requested' : 'confirming';

export const CHANGE_REFUSALS = ['not_changeable', 'too_late'] as const;
export type ChangeRefusal = (typeof CHANGE_REFUSALS)[number];

/**
 * Whether an appointment may still be cancelled or moved: it is live and
 * upcoming, and (for the patient) before the visit type's cut-off. Staff may
 * change it up to its start; after the cut-off a patient calls the clinic.
 */
export function changeRefusal(f: {
  now: Date;
  startsAt: Date;
  status: AppointmentStatus;
  changeCutoffHours: number;
  byStaff: boolean;
}): ChangeRefusal | null {
  if (!LIVE.includes(f.status) || f.status === 'arrived' || f.startsAt <= f.now)
    return 'not_changeable';
  if (f.byStaff || f.status === 'requested') return null;
  const ahead = f.startsAt.getTime() - f.now.getTime();
  return ahead < f.changeCutoffHours * 3_600_000 ? 'too_late' : null;
}
