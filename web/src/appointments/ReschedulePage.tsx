import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './appointments.css';
import { ChangeByPhone } from './ChangeByPhone.tsx';
import { FindTime } from './FindTime.tsx';
import { useAppointment } from './queries.ts';
import { howToChange } from './status.ts';
import type { Appointment } from './types.ts';

/** /appointments/:id/reschedule: the same search, fixed to the appointment's clinic and visit type. */
export function ReschedulePage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const appointment = useAppointment(id);
  // Decided once, as the page opens: once moved, the appointment is cancelled
  // (or the cut-off passes meanwhile), and the page must go on all the same.
  const opened = useRef<{ a: Appointment; online: boolean } | null>(null);
  if (!opened.current && appointment.data)
    opened.current = { a: appointment.data, online: howToChange(appointment.data) === 'online' };
  const title = t('appointments.find.moveTitle');
  usePageTitle(title);
  if (!opened.current && appointment.isError)
    return <LoadFailed error={appointment.error} retry={() => void appointment.refetch()} />;
  if (!opened.current) return <Loading />;
  const { a, online } = opened.current;
  if (online) return <FindTime moving={a} />;
  return (
    <>
      <h1>{title}</h1>
      <ChangeByPhone appointment={a} />
      <p>
        <Link to={`/appointments/${a.id}`}>{t('appointments.done.details')}</Link>
      </p>
    </>
  );
}
