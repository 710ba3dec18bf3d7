// What the front desk API says: appointments with the patient's name and
// birth date (staff at the clinic may see them), check-in status, and what
// the desk may do with each now. Times are UTC instants beside the clinic's zone.
import { type Static, Type } from 'typebox';
import {
  AppointmentView,
  BookBody,
  CancelBody,
  LocalDate,
  SlotSearchQuery,
  Uuid,
} from './model.ts';
import { VISIT_OUTCOMES } from './visit-outcomes.ts';

const Instant = Type.String({ format: 'date-time' });

export const StaffAppointment = Type.Object({
  ...AppointmentView.properties,
  patient: Type.Object({
    id: Uuid,
    name: Type.Object({ given: Type.String(), family: Type.String() }),
    birthDate: Type.String(),
  }),
  /** The patient's check-in answers, when sent; reviewed once staff looked at the changes. */
  checkIn: Type.Union([
    Type.Object({ submittedAt: Instant, reviewed: Type.Boolean() }),
    Type.Null(),
  ]),
  /** Staff may still cancel or move it (live, not arrived, not started). */
  staffCanChange: Type.Boolean(),
  /** The marks the desk may set now. */
  outcomes: Type.Array(Type.Enum(VISIT_OUTCOMES)),
});
export type StaffAppointment = Static<typeof StaffAppointment>;

export const DayQuery = Type.Object(
  {
    clinicId: Uuid,
    date: Type.Optional(LocalDate),
    providerId: Type.Optional(Uuid),
    page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
  },
  { additionalProperties: false },
);
export type DayQuery = Static<typeof DayQuery>;

export const DayView = Type.Object({
  clinic: Type.Object({ id: Uuid, name: Type.String(), timeZone: Type.String() }),
  /** The clinic's calendar day shown (today there when none was asked for). */
  date: Type.String(),
  providers: Type.Array(
    Type.Object({
      id: Uuid,
      name: Type.String(),
      /** Open times still to come that day. */
      freeSlots: Type.Integer(),
    }),
  ),
  appointments: Type.Array(StaffAppointment),
  page: Type.Integer(),
  hasMore: Type.Boolean(),
});
export type DayView = Static<typeof DayView>;

export const ClinicPageQuery = Type.Object(
  { clinicId: Uuid, page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }) },
  { additionalProperties: false },
);

export const StaffAppointmentPage = Type.Object({
  appointments: Type.Array(StaffAppointment),
  total: Type.Integer(),
  page: Type.Integer(),
  hasMore: Type.Boolean(),
});
export type StaffAppointmentPage = Static<typeof StaffAppointmentPage>;

export const StaffSlotQuery = Type.Object(
  { ...SlotSearchQuery.properties, patientId: Uuid },
  { additionalProperties: false },
);
export type StaffSlotQuery = Static<typeof StaffSlotQuery>;

export const StaffBookBody = Type.Object(
  { ...BookBody.properties, patientId: Uuid },
  { additionalProperties: false },
);
export type StaffBookBody = Static<typeof StaffBookBody>;

export const ReasonBody = CancelBody;

export const OutcomeBody = Type.Object(
  { status: Type.Enum(VISIT_OUTCOMES) },
  { additionalProperties: false },
);
