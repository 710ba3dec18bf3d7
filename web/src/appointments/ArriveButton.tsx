import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Notice } from '../forms/Notice.tsx';
import { sayArrived } from './checkInQueries.ts';
import { refusalText } from './checkInWords.ts';
import { useFocusOnMount } from './focus.ts';
import { useAppointmentChanged } from './queries.ts';
import { uiLanguage } from './search.ts';
import type { Appointment } from './types.ts';
import { timeText } from './when.ts';

/** "I'm here": on the day, the patient tells the front desk they have arrived. */
export function ArriveButton({ appointment: a }: { appointment: Appointment }) {
  const { t, i18n } = useTranslation();
  const lang = uiLanguage(i18n.resolvedLanguage);
  const changed = useAppointmentChanged();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<string | null>(null);
  const [justNow, setJustNow] = useState(false);
  const arrive = async () => {
    if (busy) return;
    setBusy(true);
    setRefused(null);
    try {
      await changed(await sayArrived(a.id));
      setJustNow(true);
      await client.invalidateQueries({ queryKey: ['appointments'] });
    } catch (error) {
      setRefused(refusalText(t, lang, error, a.timeZone));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card section" aria-labelledby="arrival-title">
      <h2 id="arrival-title">{t('checkIn.arrival.title')}</h2>
      {a.status === 'arrived' && a.arrivedAt ? (
        <Arrived
          focus={justNow}
          text={t('checkIn.arrival.arrived', { time: timeText(lang, a.arrivedAt, a.timeZone) })}
        />
      ) : (
        <>
          <p>{t('checkIn.arrival.hint')}</p>
          {refused && (
            <Notice kind="error">
              <p>{refused}</p>
            </Notice>
          )}
          <button
            type="button"
            className="button"
            aria-disabled={busy}
            onClick={() => void arrive()}
          >
            {t('checkIn.arrival.button')}
          </button>
        </>
      )}
    </section>
  );
}

/** Said once the button is gone; it takes focus when the patient has just pressed it. */
function Arrived({ text, focus }: { text: string; focus: boolean }) {
  const ref = useFocusOnMount<HTMLDivElement>(focus);
  return (
    <div ref={ref} tabIndex={-1} className="notice notice--success" role="status">
      <p>{text}</p>
    </div>
  );
}
