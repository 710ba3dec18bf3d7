import { useTranslation } from 'react-i18next';
import { telHref } from './words.ts';

/**
 * The clinic's promise: "We reply within 2 business days. For emergencies call
 * 911." The days depend on the topic; before one is chosen, only the emergency line.
 */
export function ResponseTime({ days, phone }: { days?: number; phone?: string }) {
  const { t } = useTranslation();
  return (
    <div className="message-promise">
      <p>
        {days !== undefined && `${t('messages.responseTime.reply', { count: days })} `}
        <strong>{t('messages.responseTime.emergency')}</strong>
      </p>
      {phone && (
        <p>
          {t('messages.responseTime.callClinic')} <a href={telHref(phone)}>{phone}</a>.
        </p>
      )}
    </div>
  );
}
