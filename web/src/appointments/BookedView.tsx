import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { AppointmentFacts } from './AppointmentFacts.tsx';
import { CalendarLink } from './CalendarLink.tsx';
import { useFocusOnMount } from './focus.ts';
import { useAppointment } from './queries.ts';
import { StatusHelp } from './StatusHelp.tsx';
import type { Appointment } from './types.ts';

// After "Book": what was booked, its status as it settles (a booking on its
// way to the EHR is looked at again every few seconds), the calendar file.
export function BookedView({ booked, moved }: { booked: Appointment; moved: boolean }) {
  const { t } = useTranslation();
  const appointment = useAppointment(booked.id).data ?? booked;
  const title = t(
    moved
      ? 'appointments.done.moved'
      : booked.status === 'requested'
        ? 'appointments.done.requested'
        : 'appointments.done.booked',
  );
  usePageTitle(title);
  const heading = useFocusOnMount<HTMLHeadingElement>(true);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      <AppointmentFacts appointment={appointment} withTime />
      <StatusHelp appointment={appointment} />
      <CalendarLink appointment={appointment} />
      <ul className="plain-list button-row">
        <li>
          <Link to={`/appointments/${appointment.id}`}>{t('appointments.done.details')}</Link>
        </li>
        <li>
          <Link to="/appointments">{t('appointments.done.list')}</Link>
        </li>
      </ul>
    </>
  );
}
