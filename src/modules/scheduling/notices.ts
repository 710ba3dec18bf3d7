// What the patient is told about an appointment by e-mail, in their language.
// Mail rests outside our control, so it says only the clinic, the date and
// time in the clinic's zone, and a link: never the visit type, the provider,
// or a reason. Confirmations, reminders and cancellations carry a calendar
// file (.ics, times in UTC so every calendar places them right).
import icalGenerator, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { languageOf, patientAddress, queueMail } from '../../platform/mail/mail.ts';
import type { Language } from '../../platform/mail/messages.ts';

type Db = Kysely<Schema>;

export const NOTICES = [
  'confirmed',
  'requested',
  'declined',
  'not_booked',
  'cancelled',
  'reminder',
  'offer',
] as const;
export type Notice = (typeof NOTICES)[number];

export interface NoticeFacts {
  id: string;
  startsAt: Date;
  endsAt: Date;
  clinicName: string;
  clinicPhone: string;
  timeZone: string;
  address: string;
}

/** "Tuesday, March 10, 2026, 9:00 AM EDT" in the clinic's zone. */
export function whenText(lang: Language, at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat(lang === 'es' ? 'es-US' : 'en-US', {
    timeZone,
    weekday: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(at);
}

const TEXT = {
  en: {
    confirmed: [
      'Your appointment is confirmed',
      'Your appointment at {clinic} is confirmed for {when}.',
    ],
    requested: [
      'We received your appointment request',
      'The clinic will confirm your request for {when} at {clinic}.',
    ],
    declined: [
      'Your appointment request was not accepted',
      'The clinic could not accept your request for {when} at {clinic}. Please choose another time.',
    ],
    not_booked: [
      'We could not book your appointment',
      'The time you chose at {clinic} ({when}) was taken before we could confirm it. Please choose another time.',
    ],
    cancelled: [
      'Your appointment was cancelled',
      'Your appointment at {clinic} on {when} is cancelled.',
    ],
    reminder: ['Appointment reminder', 'Reminder: you have an appointment at {clinic} on {when}.'],
    offer: [
      'An earlier time is available',
      'An earlier appointment time at {clinic} is available: {when}. The first to accept it gets it.',
    ],
    details: 'See the details in the portal:',
    call: 'To change it, use the portal or call the clinic at {phone}.',
    sign: '— Your portal team',
  },
  es: {
    confirmed: ['Su cita está confirmada', 'Su cita en {clinic} está confirmada para el {when}.'],
    requested: [
      'Recibimos su solicitud de cita',
      'La clínica confirmará su solicitud para el {when} en {clinic}.',
    ],
    declined: [
      'No se aceptó su solicitud de cita',
      'La clínica no pudo aceptar su solicitud para el {when} en {clinic}. Elija otro horario.',
    ],
    not_booked: [
      'No pudimos reservar su cita',
      'El horario que eligió en {clinic} ({when}) se ocupó antes de que pudiéramos confirmarlo. Elija otro horario.',
    ],
    cancelled: ['Su cita fue cancelada', 'Su cita en {clinic} del {when} está cancelada.'],
    reminder: ['Recordatorio de cita', 'Recordatorio: tiene una cita en {clinic} el {when}.'],
    offer: [
      'Hay un horario más temprano',
      'Hay un horario de cita más temprano en {clinic}: {when}. Lo obtiene quien lo acepte primero.',
    ],
    details: 'Vea los detalles en el portal:',
    call: 'Para cambiarla, use el portal o llame a la clínica al {phone}.',
    sign: '— El equipo del portal',
  },
} as const;

const fill = (s: string, v: Record<string, string>) =>
  s.replace(/\{(\w+)\}/g, (_, k: string) => v[k] ?? '');

/** Subject and text of a notice; no clinical detail. */
export function noticeText(
  lang: Language,
  notice: Notice,
  f: NoticeFacts,
  url: string,
): { subject: string; text: string } {
  const t = TEXT[lang];
  const [subject, line] = t[notice];
  const vars = {
    clinic: f.clinicName,
    when: whenText(lang, f.startsAt, f.timeZone),
    phone: f.clinicPhone,
  };
  const lines = [fill(line, vars), '', t.details, url];
  if (notice === 'confirmed' || notice === 'reminder') lines.push('', fill(t.call, vars));
  return { subject, text: [...lines, '', t.sign].join('\n') };
}

/** The calendar file for an appointment: an event, or its cancellation. */
export function appointmentIcs(f: NoticeFacts, url: string, cancelled: boolean): string {
  const calendar = icalGenerator({
    prodId: { company: 'patient-portal', product: 'appointments', language: 'EN' },
    method: cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.PUBLISH,
  });
  calendar.createEvent({
    id: `${f.id}@patient-portal`,
    sequence: cancelled ? 1 : 0,
    start: f.startsAt,
    end: f.endsAt,
    summary: `Appointment: ${f.clinicName}`,
    location: f.address,
    url,
    status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  return calendar.toString();
}

export async function noticeFacts(db: Db, appointmentId: string) {
  const r = await db
    .selectFrom('appointments')
    .innerJoin('clinics', 'clinics.id', 'appointments.clinic_id')
    .select([
      'appointments.id',
      'appointments.patient_id',
      'appointments.starts_at',
      'appointments.ends_at',
      'clinics.name',
      'clinics.phone',
      'clinics.time_zone',
      'clinics.address_line1',
      'clinics.address_line2',
      'clinics.city',
      'clinics.state',
      'clinics.postal_code',
    ])
    .where('appointments.id', '=', appointmentId)
    .executeTakeFirstOrThrow();
  const facts: NoticeFacts = {
    id: r.id,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    clinicName: r.name,
    clinicPhone: r.phone,
    timeZone: r.time_zone,
    address: [r.address_line1, r.address_line2, `${r.city}, ${r.state} ${r.postal_code}`]
      .filter(Boolean)
      .join(', '),
  };
  return { facts, patientId: r.patient_id };
}

export const appointmentUrl = (publicUrl: string, id: string) => `${publicUrl}/appointments/${id}`;

/**
 * Queues the notice in the caller's transaction (nothing when there is no
 * address). A waitlist offer names the time offered, not the appointment's,
 * and links to where it is accepted.
 */
export async function queueAppointmentNotice(
  trx: Db,
  appointmentId: string,
  notice: Notice,
  publicUrl: string,
  offered?: { startsAt: Date; endsAt: Date; url: string },
): Promise<void> {
  const found = await noticeFacts(trx, appointmentId);
  const { patientId } = found;
  const facts = offered
    ? { ...found.facts, startsAt: offered.startsAt, endsAt: offered.endsAt }
    : found.facts;
  const to = await patientAddress(trx, patientId);
  if (!to) return;
  const lang = await languageOf(trx, { patientId });
  const url = offered?.url ?? appointmentUrl(publicUrl, appointmentId);
  const calendar = notice === 'confirmed' || notice === 'reminder' || notice === 'cancelled';
  await queueMail(trx, {
    to,
    ...noticeText(lang, notice, facts, url),
    attachments: calendar
      ? [
          {
            filename: 'appointment.ics',
            contentType: 'text/calendar; charset=utf-8',
            content: appointmentIcs(facts, url, notice === 'cancelled'),
          },
        ]
      : undefined,
  });
}
