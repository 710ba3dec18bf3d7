// The scheduling API's shapes, taken from the server's schemas as types only
// (nothing of the server reaches the browser bundle), so the two cannot drift.
import type { Static } from 'typebox';
import type {
  AppointmentView,
  ClinicOptions as ClinicOptionsSchema,
  HoldView,
  SlotPage,
  SlotSearchQuery,
  SlotView,
  VisitTypeView,
} from '../../../src/modules/scheduling/model.ts';

export type Appointment = AppointmentView;
export type Slot = SlotView;
export type { SlotPage, VisitTypeView as VisitType };
export type ClinicOptions = Static<typeof ClinicOptionsSchema>;
export type Clinic = ClinicOptions['clinic'];
export type Hold = Static<typeof HoldView>;
export type TimeOfDay = NonNullable<SlotSearchQuery['timeOfDay']>;
export type Mode = Appointment['mode'];

/** A time the patient holds while confirming, with what the confirm step shows. */
export interface Held {
  slot: Slot;
  expiresAt: string;
  clinic: Clinic;
  visitType: VisitTypeView;
}
