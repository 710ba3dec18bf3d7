import { useTranslation } from 'react-i18next';
import { timeZoneName } from '../i18n/format.ts';
import type { Clinic } from './clinics.ts';
import { OpeningHoursList } from './OpeningHoursList.tsx';

// "+1-555-0100" -> "tel:+15550100": dialers accept separators, but not all of them.
function telHref(phone: string): string {
  return `tel:${phone.replace(/[^\d+]/g, '')}`;
}

export function ClinicCard({ clinic }: { clinic: Clinic }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { address } = clinic;
  return (
    <li className="card clinic">
      <h3>{clinic.name}</h3>
      <address>
        <span className="line">{address.line1}</span>
        {address.line2 && <span className="line">{address.line2}</span>}
        <span className="line">
          {address.city}, {address.state} {address.postalCode}
        </span>
        <span className="line clinic__phone">
          {t('clinics.phone')} <a href={telHref(clinic.phone)}>{clinic.phone}</a>
        </span>
      </address>
      <h4>{t('clinics.hoursHeading')}</h4>
      <OpeningHoursList hours={clinic.hours} />
      <p className="clinic__zone">
        {t('clinics.timeZone', { zone: timeZoneName(lang, clinic.timeZone) })}
      </p>
    </li>
  );
}
