import { useTranslation } from 'react-i18next';
import { clockTime, weekdayName } from '../i18n/format.ts';
import type { OpeningHours } from './clinics.ts';

const isoWeek = [1, 2, 3, 4, 5, 6, 7];

// A day may have several ranges (a lunch break); days without any are closed.
function rangesOn(hours: OpeningHours[], weekday: number): OpeningHours[] {
  return hours.filter((h) => h.weekday === weekday).sort((a, b) => a.opens.localeCompare(b.opens));
}

export function OpeningHoursList({ hours }: { hours: OpeningHours[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  return (
    <dl className="hours">
      {isoWeek.map((weekday) => {
        const ranges = rangesOn(hours, weekday);
        return (
          <div key={weekday} className="hours__day">
            <dt>{weekdayName(lang, weekday)}</dt>
            <dd className={ranges.length ? undefined : 'hours__closed'}>
              {ranges.length
                ? ranges
                    .map((r) =>
                      t('clinics.hoursRange', {
                        opens: clockTime(lang, r.opens),
                        closes: clockTime(lang, r.closes),
                      }),
                    )
                    .join(', ')
                : t('clinics.closed')}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
