import { useTranslation } from 'react-i18next';
import { clinicTime, type StaffAppointment } from './frontDesk.ts';

const BADGE: Partial<Record<StaffAppointment['status'], string>> = {
  arrived: 'badge--active',
  completed: 'badge--active',
  checked_in: 'badge--active',
  requested: 'badge--invited',
  confirming: 'badge--invited',
  no_show: 'badge--locked',
  cancelled: 'badge--none',
  declined: 'badge--none',
  not_booked: 'badge--locked',
};

/** The status in words (colour only repeats it). */
export function AppointmentStatus({ appointment }: { appointment: StaffAppointment }) {
  const { t } = useTranslation();
  return (
    <span className={`badge ${BADGE[appointment.status] ?? ''}`}>
      {t(`frontDesk.status.${appointment.status}`)}
    </span>
  );
}

/** Check-in and arrival, as the desk needs to know them. */
export function CheckInStatus({ appointment: a }: { appointment: StaffAppointment }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const checkIn = a.checkIn
    ? t(a.checkIn.reviewed ? 'frontDesk.checkIn.reviewed' : 'frontDesk.checkIn.sent')
    : t('frontDesk.checkIn.none');
  return (
    <>
      {checkIn}
      {a.arrivedAt && (
        <span className="cell-note">
          {t('frontDesk.checkIn.arrivedAt', { time: clinicTime(lang, a.arrivedAt, a.timeZone) })}
        </span>
      )}
    </>
  );
}
