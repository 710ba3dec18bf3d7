import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './appointments.css';
import { AppointmentList } from './AppointmentList.tsx';
import { WaitlistOffers } from './WaitlistOffers.tsx';

/** /appointments: what is coming up, what has been, and the way to book. */
export function AppointmentsPage() {
  const { t } = useTranslation();
  usePageTitle(t('appointments.title'));
  return (
    <>
      <h1>{t('appointments.title')}</h1>
      <p className="button-row">
        <Link className="button" to="/appointments/new">
          {t('appointments.book')}
        </Link>
      </p>
      <div className="sections">
        <WaitlistOffers />
        <AppointmentList when="upcoming" />
        <AppointmentList when="past" />
      </div>
    </>
  );
}
