import { useTranslation } from 'react-i18next';
import { dateTime } from '../i18n/format.ts';
import type { RefillEvent } from './types.ts';

/**
 * The request's events, oldest first, with their texts (questions, answers,
 * the denial reason; for staff also notes, marked staff only). Patients see
 * "your care team" for staff and "you" for their own entries.
 */
export function History({ events, forStaff }: { events: RefillEvent[]; forStaff: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  if (events.length === 0) return <p>{t('refills.detail.historyNone')}</p>;
  const who = (e: RefillEvent) => {
    if (forStaff) return e.by ? t('refills.staff.review.by', { name: e.by }) : null;
    if (e.kind === 'requested' || e.kind === 'answer' || e.kind === 'cancelled')
      return t('refills.detail.you');
    return t('refills.detail.yourCareTeam');
  };
  return (
    <ol className="history">
      {events.map((e, i) => (
        // Events have no id of their own; their order never changes.
        // biome-ignore lint/suspicious/noArrayIndexKey: an append-only list
        <li key={i} className="item">
          <strong>{t(`refills.events.${e.kind}`)}</strong>
          {forStaff && !e.forPatient && ` (${t('refills.staff.review.staffOnly')})`}
          <span className="history__meta">
            {dateTime(lang, e.at)}
            {who(e) && ` · ${who(e)}`}
          </span>
          {e.text && <p className="history__text">{e.text}</p>}
        </li>
      ))}
    </ol>
  );
}
