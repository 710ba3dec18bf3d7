import { useTranslation } from 'react-i18next';
import { CallClinic } from './CallClinic.tsx';
import { howToChange } from './status.ts';
import type { Appointment } from './types.ts';

/** Past the cut-off a live appointment is changed by phone; a finished one not at all. */
export function ChangeByPhone({ appointment: a }: { appointment: Appointment }) {
  const { t } = useTranslation();
  if (howToChange(a) === 'call')
    return (
      <CallClinic
        text={t('appointments.detail.callToChange', { clinic: a.clinicName })}
        phone={a.clinicPhone}
      />
    );
  return <p>{t('appointments.detail.notChangeable')}</p>;
}
