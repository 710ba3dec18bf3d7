// What the scheduling API says. Times are UTC instants (ISO 8601); every
// answer names the clinic's time zone, and pages show times in it.
import { type Static, Type } from 'typebox';
import {
  APPOINTMENT_STATUSES,
  BOOKING_MODES,
  PATIENT_KINDS,
  TIMES_OF_DAY,
  VISIT_MODES,
} from './tables.ts';

const Instant = Type.String({ format: 'date-time' });
export const Uuid = Type.String({ format: 'uuid' });
/** Slot ids are numbers in the database, strings in the API (they may outgrow a JS number's range in another store). */
export const SlotId = Type.String({ pattern: '^[1-9][0-9]{0,14}$', description: 'a slot id' });
/** A real calendar date in this century (far-off years are no one's appointment, and overflow date maths). */
export const LocalDate = Type.String({
  format: 'date',
  pattern: '^20\\d{2}-\\d{2}-\\d{2}$',
  description: "YYYY-MM-DD, the clinic's calendar",
});

export const VisitTypeView = Type.Object({
  id: Uuid,
  clinicId: Uuid,
  code: Type.String(),
  name: Type.Object({ en: Type.String(), es: Type.String() }),
  booking: Type.Enum(BOOKING_MODES),
  patients: Type.Enum(PATIENT_KINDS),
  mode: Type.Enum(VISIT_MODES),
  minLeadMinutes: Type.Integer(),
  maxDaysAhead: Type.Integer(),
  changeCutoffHours: Type.Integer(),
  maxFutureBookings: Type.Integer(),
  active: Type.Boolean(),
  hasQuestionnaire: Type.Boolean(),
  providerIds: Type.Array(Uuid),
});
export type VisitTypeView = Static<typeof VisitTypeView>;

export const ProviderView = Type.Object({ id: Uuid, name: Type.String(), active: Type.Boolean() });

export const ClinicOptions = Type.Object({
  clinic: Type.Object({
    id: Uuid,
    name: Type.String(),
    timeZone: Type.String(),
    phone: Type.String(),
  }),
  visitTypes: Type.Array(VisitTypeView),
  providers: Type.Array(ProviderView),
});

export const SlotSearchQuery = Type.Object(
  {
    clinicId: Uuid,
    visitTypeId: Uuid,
    providerId: Type.Optional(Uuid),
    from: Type.Optional(LocalDate),
    to: Type.Optional(LocalDate),
    timeOfDay: Type.Optional(Type.Enum(TIMES_OF_DAY)),
    page: Type.Integer({ minimum: 1, maximum: 500, default: 1 }),
  },
  { additionalProperties: false },
);
export type SlotSearchQuery = Static<typeof SlotSearchQuery>;

export const SlotView = Type.Object({
  id: SlotId,
  startsAt: Instant,
  endsAt: Instant,
  providerId: Uuid,
  providerName: Type.String(),
});
export type SlotView = Static<typeof SlotView>;

export const SlotPage = Type.Object({
  timeZone: Type.String(),
  slots: Type.Array(SlotView),
  page: Type.Integer(),
  hasMore: Type.Boolean(),
});
export type SlotPage = Static<typeof SlotPage>;

export const AppointmentView = Type.Object({
  id: Uuid,
  clinicId: Uuid,
  clinicName: Type.String(),
  clinicPhone: Type.String(),
  timeZone: Type.String(),
  patientId: Uuid,
  visitTypeId: Uuid,
  visitTypeName: Type.Object({ en: Type.String(), es: Type.String() }),
  providerId: Uuid,
  providerName: Type.String(),
  slotId: SlotId,
  startsAt: Instant,
  endsAt: Instant,
  mode: Type.Union([Type.Literal('in_person'), Type.Literal('video')]),
  status: Type.Enum(APPOINTMENT_STATUSES),
  /** Until when the patient may still cancel or move it online; null when no longer. */
  changeableUntil: Type.Union([Instant, Type.Null()]),
  cancelReason: Type.Union([Type.String(), Type.Null()]),
  checkedInAt: Type.Union([Instant, Type.Null()]),
  arrivedAt: Type.Union([Instant, Type.Null()]),
  bookedByStaff: Type.Boolean(),
  rescheduledFrom: Type.Union([Uuid, Type.Null()]),
  createdAt: Instant,
});
export type AppointmentView = Static<typeof AppointmentView>;

export const BookBody = Type.Object(
  {
    slotId: SlotId,
    visitTypeId: Uuid,
    mode: Type.Optional(Type.Union([Type.Literal('in_person'), Type.Literal('video')])),
  },
  { additionalProperties: false },
);
export type BookBody = Static<typeof BookBody>;

export const HoldBody = Type.Object(
  { slotId: SlotId, visitTypeId: Uuid },
  { additionalProperties: false },
);

export const HoldView = Type.Object({ slotId: SlotId, expiresAt: Instant });

export const CancelBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }) },
  { additionalProperties: false },
);

export const RescheduleBody = Type.Object({ slotId: SlotId }, { additionalProperties: false });
