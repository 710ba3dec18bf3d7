import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import {
  arrivalRefusal,
  checkInRefusal,
  checkInWindow,
} from '../../../src/modules/scheduling/check-in-windows.ts';
import './checkIn.css';
import { ArriveButton } from './ArriveButton.tsx';
import { uiLanguage } from './search.ts';
import type { Appointment } from './types.ts';
import { whenText } from './when.ts';

/**
 * On an appointment's page: the way to check in once it is open (or when it
 * opens), and "I'm here" on the day. The server checks the same rules again.
 */
export function CheckInSection({ appointment: a }: { appointment: Appointment }) {
  const { t, i18n } = useTranslation();
  const lang = uiLanguage(i18n.resolvedLanguage);
  const facts = { now: new Date(), startsAt: new Date(a.startsAt), status: a.status };
  const checkIn = checkInRefusal({ ...facts, reviewed: false });
  const arrival = arrivalRefusal(facts);
  const opensLater = checkIn === 'not_yet';
  if (checkIn !== null && !opensLater && arrival !== null) return null;
  const opensAt = checkInWindow(facts.startsAt).opensAt.toISOString();
  return (
    <>
      {(checkIn === null || opensLater) && (
        <section className="card section" aria-labelledby="check-in-title">
          <h2 id="check-in-title">{t('checkIn.title')}</h2>
          {opensLater ? (
            <p>{t('checkIn.closed.not_yet', { when: whenText(lang, opensAt, a.timeZone) })}</p>
          ) : (
            <>
              <p>{t('checkIn.section.text')}</p>
              <p>
                <Link className="button" to={`/appointments/${encodeURIComponent(a.id)}/check-in`}>
                  {a.status === 'checked_in'
                    ? t('checkIn.section.change')
                    : t('checkIn.section.start')}
                </Link>
              </p>
            </>
          )}
        </section>
      )}
      {(arrival === null || a.status === 'arrived') && <ArriveButton appointment={a} />}
    </>
  );
}
