import { useTranslation } from 'react-i18next';
import type { Appointment } from './types.ts';

/**
 * What the status means for the patient. A live region: when a booking on its
 * way to the EHR is confirmed (or refused), the change is announced.
 */
export function StatusHelp({ appointment }: { appointment: Appointment }) {
  const { t } = useTranslation();
  return <p role="status">{t(`appointments.statusHelp.${appointment.status}`)}</p>;
}
