import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { AppointmentFacts } from './AppointmentFacts.tsx';
import { NextOpenTimes } from './NextOpenTimes.tsx';
import type { Appointment } from './types.ts';
import { whenText } from './when.ts';

/** One appointment in a list: its time (a link to it) and the facts. */
export function AppointmentCard({ appointment: a }: { appointment: Appointment }) {
  const { i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const upcoming = new Date(a.startsAt) > new Date();
  return (
    <li className="card">
      <h3>
        <Link to={`/appointments/${a.id}`}>{whenText(lang, a.startsAt, a.timeZone)}</Link>
      </h3>
      <AppointmentFacts appointment={a} />
      {/* Taken in the clinic's system before it was confirmed: offer the next times here. */}
      {a.status === 'not_booked' && upcoming && <NextOpenTimes appointment={a} />}
    </li>
  );
}
