import { useTranslation } from 'react-i18next';
import { type AppointmentStatus, statusTone } from './status.ts';

/** The status in words (colour only repeats what the words say). */
export function StatusLabel({ status }: { status: AppointmentStatus }) {
  const { t } = useTranslation();
  return (
    <span className={`badge badge--${statusTone(status)}`}>
      {t(`appointments.status.${status}`)}
    </span>
  );
}
