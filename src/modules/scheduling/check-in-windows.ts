// When check-in and "I'm here" are open, as pure rules: the server decides
// with them, and the pages use the same ones to offer the links at the right
// time (the server checks again).
import type { ArrivalRefusal, CheckInRefusal } from './check-in-model.ts';
import type { AppointmentStatus } from './tables.ts';

export const CHECK_IN_OPENS_HOURS = 72;
export const ARRIVAL_OPENS_MINUTES = 30;
export const ARRIVAL_CLOSES_MINUTES = 15;
/**
 * Appointments the EHR has confirmed. A booking still on its way (confirming)
 * waits: the EHR's answer settles only a 'confirming' appointment, so a
 * check-in now would hide a refusal and the confirmation mail.
 */
const CHECKABLE: readonly AppointmentStatus[] = ['booked', 'checked_in'];

const MINUTE = 60_000;

export function checkInWindow(startsAt: Date) {
  return {
    opensAt: new Date(startsAt.getTime() - CHECK_IN_OPENS_HOURS * 60 * MINUTE),
    closesAt: startsAt,
  };
}

export function arrivalWindow(startsAt: Date) {
  return {
    opensAt: new Date(startsAt.getTime() - ARRIVAL_OPENS_MINUTES * MINUTE),
    closesAt: new Date(startsAt.getTime() + ARRIVAL_CLOSES_MINUTES * MINUTE),
  };
}

function statusRefusal(status: AppointmentStatus): 'not_live' | 'not_confirmed' | null {
  if (status === 'confirming') return 'not_confirmed';
  return CHECKABLE.includes(status) ? null : 'not_live';
}

/** Why the patient may not check in now; null when they may. */
export function checkInRefusal(f: {
  now: Date;
  startsAt: Date;
  status: AppointmentStatus;
  reviewed: boolean;
}): CheckInRefusal | null {
  if (f.status === 'arrived') return 'arrived';
  const byStatus = statusRefusal(f.status);
  if (byStatus) return byStatus;
  const { opensAt, closesAt } = checkInWindow(f.startsAt);
  if (f.now >= closesAt) return 'started';
  if (f.now < opensAt) return 'not_yet';
  return f.reviewed ? 'reviewed' : null;
}

/** Why "I'm here" is refused now; null when it is open (or already done). */
export function arrivalRefusal(f: {
  now: Date;
  startsAt: Date;
  status: AppointmentStatus;
}): ArrivalRefusal | null {
  if (f.status === 'arrived') return null;
  const byStatus = statusRefusal(f.status);
  if (byStatus) return byStatus;
  const { opensAt, closesAt } = arrivalWindow(f.startsAt);
  if (f.now < opensAt) return 'not_yet';
  return f.now > closesAt ? 'too_late' : null;
}
