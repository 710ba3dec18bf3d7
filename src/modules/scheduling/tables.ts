import type { Generated } from 'kysely';

export const BOOKING_MODES = ['online', 'request', 'offline'] as const;
export type BookingMode = (typeof BOOKING_MODES)[number];
export const PATIENT_KINDS = ['all', 'new', 'established'] as const;
export type PatientKind = (typeof PATIENT_KINDS)[number];
export const VISIT_MODES = ['in_person', 'video', 'either'] as const;
export type VisitMode = (typeof VISIT_MODES)[number];

/** Parts of the clinic's day a patient can search in. */
export const TIMES_OF_DAY = ['morning', 'afternoon', 'evening'] as const;
export type TimeOfDay = (typeof TIMES_OF_DAY)[number];

export const APPOINTMENT_STATUSES = [
  'requested',
  'confirming',
  'booked',
  'checked_in',
  'arrived',
  'completed',
  'no_show',
  'cancelled',
  'declined',
  'not_booked',
] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];
/** Statuses that let the slot go (as in the appointments_one_per_slot index). */
export const RELEASED: readonly AppointmentStatus[] = ['cancelled', 'declined', 'not_booked'];
/** Upcoming and still wanted: may be changed, reminded, checked in. */
export const LIVE: readonly AppointmentStatus[] = [
  'requested',
  'confirming',
  'booked',
  'checked_in',
  'arrived',
];

export interface SchedulingTables {
  providers: {
    id: Generated<string>;
    clinic_id: string;
    ehr_schedule_id: string;
    ehr_practitioner_id: string;
    display_name: string;
    active: Generated<boolean>;
    updated_at: Generated<Date>;
  };
  visit_types: {
    id: Generated<string>;
    clinic_id: string;
    code: string;
    name_en: string;
    name_es: string;
    booking: Generated<BookingMode>;
    patients: Generated<PatientKind>;
    mode: Generated<VisitMode>;
    min_lead_minutes: Generated<number>;
    max_days_ahead: Generated<number>;
    change_cutoff_hours: Generated<number>;
    max_future_bookings: Generated<number>;
    questionnaire: unknown | null;
    active: Generated<boolean>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  visit_type_providers: {
    visit_type_id: string;
    provider_id: string;
  };
  slots: {
    id: Generated<number>;
    clinic_id: string;
    provider_id: string;
    ehr_slot_id: string;
    starts_at: Date;
    ends_at: Date;
    free: Generated<boolean>;
    seen_at: Generated<Date>;
  };
  slot_holds: {
    slot_id: number;
    patient_id: string;
    visit_type_id: string;
    expires_at: Date;
  };
  appointments: {
    id: Generated<string>;
    clinic_id: string;
    patient_id: string;
    provider_id: string;
    visit_type_id: string;
    slot_id: number;
    starts_at: Date;
    ends_at: Date;
    mode: 'in_person' | 'video';
    status: AppointmentStatus;
    booked_by: string | null;
    booked_by_staff: Generated<boolean>;
    rescheduled_from: string | null;
    ehr_appointment_id: string | null;
    cancel_reason: string | null;
    cancelled_by: string | null;
    cancelled_at: Date | null;
    checked_in_at: Date | null;
    arrived_at: Date | null;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  waitlist_entries: {
    id: Generated<string>;
    appointment_id: string;
    patient_id: string;
    clinic_id: string;
    visit_type_id: string;
    provider_id: string | null;
    status: Generated<'waiting' | 'accepted' | 'cancelled' | 'ended'>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  waitlist_offers: {
    id: Generated<string>;
    entry_id: string;
    slot_id: number;
    expires_at: Date;
    status: Generated<'open' | 'accepted' | 'declined' | 'taken'>;
    created_at: Generated<Date>;
  };
  appointment_reminders: {
    appointment_id: string;
    hours_before: number;
    sent_at: Generated<Date>;
  };
  appointment_checkins: {
    appointment_id: string;
    changes: unknown;
    questionnaire_response: unknown | null;
    submitted_by: string | null;
    submitted_at: Generated<Date>;
    reviewed_by: string | null;
    reviewed_at: Date | null;
  };
}
