import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Facts } from '../appointments/Facts.tsx';
import { dateTime } from '../i18n/format.ts';
import { StatusLabel } from './StatusLabel.tsx';
import type { RefillRequest } from './types.ts';

/** What was asked for, where, and how it ended; staff see the patient first. */
export function RequestFacts({
  request: r,
  patient,
}: {
  request: RefillRequest;
  patient?: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const rows: [string, ReactNode][] = [];
  if (patient) rows.push([t('refills.staff.review.patient'), patient]);
  rows.push(
    [t('refills.facts.status'), <StatusLabel key="status" status={r.status} />],
    [t('refills.facts.kind'), t(`refills.kind.${r.kind}`)],
    [t('refills.facts.clinic'), r.clinicName],
    [t('refills.facts.pharmacy'), r.pharmacy ? `${r.pharmacy.name}, ${r.pharmacy.address}` : '—'],
    [t('refills.facts.requestedOn'), dateTime(lang, r.createdAt)],
  );
  if (r.decidedAt) rows.push([t('refills.facts.decidedOn'), dateTime(lang, r.decidedAt)]);
  if (r.denyReason) rows.push([t('refills.facts.denyReason'), r.denyReason]);
  if (r.note) rows.push([t(patient ? 'refills.facts.patientNote' : 'refills.facts.note'), r.note]);
  return <Facts rows={rows} />;
}
