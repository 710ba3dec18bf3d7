// What a patient reads about an appointment's status, and what they may do
// with it. Labels and explanations live in appointments.<lang>.json under
// status.<status> and statusHelp.<status>.
import {
  APPOINTMENT_STATUSES,
  type AppointmentStatus,
  LIVE,
  RELEASED,
} from '../../../src/modules/scheduling/tables.ts';
import type { Appointment } from './types.ts';

export { APPOINTMENT_STATUSES, type AppointmentStatus };

/** The badge colour of each status (classes in styles.css). */
export type Tone = 'active' | 'invited' | 'locked' | 'none';

const TONES: Record<AppointmentStatus, Tone> = {
  requested: 'invited',
  confirming: 'invited',
  booked: 'active',
  checked_in: 'active',
  arrived: 'active',
  completed: 'none',
  no_show: 'locked',
  cancelled: 'locked',
  declined: 'locked',
  not_booked: 'locked',
};

export const statusTone = (status: AppointmentStatus): Tone => TONES[status];

/**
 * How the patient may change an appointment: online until the clinic's
 * cut-off (the server says until when), by phone after it while the visit is
 * still ahead, not at all once it is over, released or the patient is there.
 */
export function howToChange(
  a: Pick<Appointment, 'status' | 'startsAt' | 'changeableUntil'>,
  now = new Date(),
): 'online' | 'call' | 'none' {
  if (a.changeableUntil && new Date(a.changeableUntil) > now) return 'online';
  const ahead = new Date(a.startsAt) > now;
  return ahead && LIVE.includes(a.status) && a.status !== 'arrived' ? 'call' : 'none';
}

/** Still waiting for the clinic's system: worth asking again in a few seconds. */
export const isSettling = (a: Pick<Appointment, 'status'> | undefined) =>
  a?.status === 'confirming';

/** Let go of (cancelled, declined, not booked): its slot is free again. */
export const isReleased = (status: AppointmentStatus) => RELEASED.includes(status);
