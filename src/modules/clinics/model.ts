// What the API says about a clinic (public information only).
import { type Static, Type } from 'typebox';

/** Lower-case letters, digits and dashes, as in the clinics table's check. */
export const SLUG = '^[a-z0-9][a-z0-9-]{1,39}$';

const Time = Type.String({
  pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
  description: 'local time, HH:MM',
});

export const OpeningHours = Type.Object({
  weekday: Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday, 1 = Monday' }),
  opens: Time,
  closes: Time,
});

export const Clinic = Type.Object({
  id: Type.String({ format: 'uuid' }),
  slug: Type.String(),
  name: Type.String(),
  timeZone: Type.String({ description: 'IANA time zone, e.g. America/Chicago' }),
  phone: Type.String(),
  address: Type.Object({
    line1: Type.String(),
    line2: Type.Union([Type.String(), Type.Null()]),
    city: Type.String(),
    state: Type.String(),
    postalCode: Type.String(),
  }),
  hours: Type.Array(OpeningHours),
});
export type Clinic = Static<typeof Clinic>;
export type OpeningHours = Static<typeof OpeningHours>;

export interface NewClinic extends Omit<Clinic, 'id'> {}

/** A time zone the runtime knows, so every date shown for the clinic can be computed. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz.includes('/');
  } catch {
    return false;
  }
}
