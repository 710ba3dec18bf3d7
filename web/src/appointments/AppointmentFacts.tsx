import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Facts } from './Facts.tsx';
import { StatusLabel } from './StatusLabel.tsx';
import { uiLanguage } from './search.ts';
import type { Appointment } from './types.ts';
import { whenText } from './when.ts';

/** Where, with whom, what and how; the time too unless the heading already says it. */
export function AppointmentFacts({
  appointment: a,
  withTime = false,
}: {
  appointment: Appointment;
  withTime?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const lang = uiLanguage(i18n.resolvedLanguage);
  const rows: [string, ReactNode][] = [];
  if (withTime) rows.push([t('appointments.facts.when'), whenText(lang, a.startsAt, a.timeZone)]);
  rows.push(
    [t('appointments.facts.clinic'), a.clinicName],
    [t('appointments.facts.provider'), a.providerName],
    [t('appointments.facts.visitType'), a.visitTypeName[lang]],
    [t('appointments.facts.mode'), t(`appointments.modes.${a.mode}`)],
    [t('appointments.facts.status'), <StatusLabel key="status" status={a.status} />],
  );
  // A move releases the old appointment with the reason "rescheduled" (in English).
  if (a.cancelReason)
    rows.push([
      t('appointments.facts.reason'),
      a.cancelReason === 'rescheduled' ? t('appointments.movedReason') : a.cancelReason,
    ]);
  return <Facts rows={rows} />;
}
