import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { CallClinic } from '../appointments/CallClinic.tsx';
import { Facts } from '../appointments/Facts.tsx';
import { calendarDate } from '../i18n/format.ts';
import { callsForPhone, canRequest, eligibilityText } from './eligibility.ts';
import { StatusLabel } from './StatusLabel.tsx';
import type { MedicationRefill } from './types.ts';

export interface ClinicContact {
  name: string;
  phone: string;
}

const idFor = (id: string) => `medication-${id}`;

/**
 * One medication: the facts from the EHR, whether it can be asked for online
 * (and why not), the open request's status, and the checkbox to choose it.
 */
export function MedicationCard({
  medication: m,
  chosen,
  onChosen,
  clinic,
}: {
  medication: MedicationRefill;
  chosen: boolean;
  onChosen: (chosen: boolean) => void;
  clinic: ClinicContact | undefined;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const none = t('refills.notOnRecord');
  const text = eligibilityText(m);
  const rows: [string, ReactNode][] = [
    [t('refills.facts.instructions'), m.instructions.length ? m.instructions.join(' ') : none],
    [t('refills.facts.prescriber'), m.prescriber ?? none],
    [t('refills.facts.lastFilled'), m.lastFilledOn ? calendarDate(lang, m.lastFilledOn) : none],
    [t('refills.facts.refillsLeft'), m.refillsRemaining ?? none],
  ];
  if (m.openRequest)
    rows.push([
      t('refills.facts.request'),
      <Link key="request" to={`/refills/${m.openRequest.id}`}>
        <StatusLabel status={m.openRequest.status} />
        <span className="visually-hidden"> {t('refills.seeRequest')}</span>
      </Link>,
    ]);
  const hintId = `${idFor(m.id)}-eligibility`;
  return (
    <li className="card medication">
      <h3 id={`${idFor(m.id)}-name`}>{m.name}</h3>
      <Facts rows={rows} />
      <p id={hintId} className="medication__eligibility">
        {t(`refills.eligibility.${text}`, {
          date: m.eligibility.availableOn ? calendarDate(lang, m.eligibility.availableOn) : '',
        })}
      </p>
      {callsForPhone(text) && clinic && (
        <CallClinic text={t('refills.callAt', { clinic: clinic.name })} phone={clinic.phone} />
      )}
      {canRequest(m) && (
        <div className="checkbox">
          <input
            id={idFor(m.id)}
            type="checkbox"
            checked={chosen}
            aria-describedby={hintId}
            onChange={(event) => onChosen(event.target.checked)}
          />
          <label htmlFor={idFor(m.id)}>
            {t('refills.choose')}
            <span className="visually-hidden">: {m.name}</span>
          </label>
        </div>
      )}
    </li>
  );
}
