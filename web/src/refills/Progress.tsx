import { useTranslation } from 'react-i18next';
import { dateTime } from '../i18n/format.ts';
import { timeline } from './status.ts';
import type { RefillRequest } from './types.ts';

/** requested → in review → approved/denied → sent to pharmacy, each step's state in words. */
export function Progress({ request }: { request: RefillRequest }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  return (
    <ol className="steps">
      {timeline(request).map((s) => (
        <li
          key={s.step}
          className={`step--${s.state}`}
          aria-current={s.state === 'current' ? 'step' : undefined}
        >
          {s.outcome ? t(`refills.steps.outcome.${s.outcome}`) : t(`refills.steps.${s.step}`)}
          <span className="step__state">
            {t(`refills.steps.${s.state}`)}
            {s.at && s.state === 'done' && `: ${dateTime(lang, s.at)}`}
          </span>
        </li>
      ))}
    </ol>
  );
}
