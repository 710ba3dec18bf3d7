import { useTranslation } from 'react-i18next';
import { calendarHref } from './queries.ts';
import { isReleased } from './status.ts';
import type { Appointment } from './types.ts';

/** The .ics file: an event to add, or (once released) its cancellation to remove it. */
export function CalendarLink({ appointment }: { appointment: Appointment }) {
  const { t } = useTranslation();
  const released = isReleased(appointment.status);
  return (
    <p>
      <a href={calendarHref(appointment.id)} download="appointment.ics">
        {t(released ? 'appointments.calendar.remove' : 'appointments.calendar.add')}
      </a>
    </p>
  );
}
