import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './appointments.css';
import { AppointmentFacts } from './AppointmentFacts.tsx';
import { CalendarLink } from './CalendarLink.tsx';
import { ChangeSection } from './ChangeSection.tsx';
import { CheckInSection } from './CheckInSection.tsx';
import { useFocusOnMount } from './focus.ts';
import { NextOpenTimes } from './NextOpenTimes.tsx';
import { useAppointment } from './queries.ts';
import { StatusHelp } from './StatusHelp.tsx';
import { uiLanguage } from './search.ts';
import { WaitlistSection } from './WaitlistSection.tsx';
import { whenText } from './when.ts';

// /appointments/:id, also where the e-mails link to: the details, the
// calendar file, and what the patient can do now.
export function AppointmentPage() {
  const { t, i18n } = useTranslation();
  const lang = uiLanguage(i18n.resolvedLanguage);
  const { id = '' } = useParams();
  const appointment = useAppointment(id);
  const [cancelled, setCancelled] = useState(false);
  const a = appointment.data;
  usePageTitle(a ? a.visitTypeName[lang] : t('appointments.detail.title'));
  if (appointment.isPending) return <Loading />;
  if (appointment.isError || !a)
    return (
      <>
        <h1>{t('appointments.detail.title')}</h1>
        <LoadFailed error={appointment.error} retry={() => void appointment.refetch()} />
        <p>
          <Link to="/appointments">{t('appointments.done.list')}</Link>
        </p>
      </>
    );
  const retry = a.status === 'not_booked' || a.status === 'declined';
  return (
    <div className="appointment">
      <h1>{a.visitTypeName[lang]}</h1>
      <p className="lead">{whenText(lang, a.startsAt, a.timeZone)}</p>
      {cancelled && <CancelledNotice />}
      <AppointmentFacts appointment={a} />
      <StatusHelp appointment={a} />
      {retry && <NextOpenTimes appointment={a} />}
      <CalendarLink appointment={a} />
      <CheckInSection appointment={a} />
      <ChangeSection appointment={a} onCancelled={() => setCancelled(true)} />
      <WaitlistSection appointment={a} />
      <p>
        <Link to="/appointments">{t('appointments.done.list')}</Link>
      </p>
    </div>
  );
}

/** Said once the dialog has closed; it takes focus, as the buttons it came from are gone. */
function CancelledNotice() {
  const { t } = useTranslation();
  const ref = useFocusOnMount<HTMLDivElement>(true);
  return (
    <div ref={ref} tabIndex={-1} className="notice notice--success" role="status">
      <p>{t('appointments.detail.cancelled')}</p>
    </div>
  );
}
