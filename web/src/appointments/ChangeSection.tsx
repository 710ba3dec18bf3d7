import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { CancelDialog } from './CancelDialog.tsx';
import { ChangeByPhone } from './ChangeByPhone.tsx';
import { howToChange } from './status.ts';
import type { Appointment } from './types.ts';
import { whenText } from './when.ts';

/**
 * Moving or cancelling online until the clinic's cut-off; after it, the
 * clinic's phone. `onCancelled` hears of a cancellation (the buttons go).
 */
export function ChangeSection({
  appointment: a,
  onCancelled,
}: {
  appointment: Appointment;
  onCancelled: () => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const [cancelling, setCancelling] = useState(false);
  const how = howToChange(a);
  if (how === 'none') return null;
  return (
    <section className="section" aria-labelledby="change-title">
      <h2 id="change-title">{t('appointments.detail.changeTitle')}</h2>
      {how === 'call' ? (
        <ChangeByPhone appointment={a} />
      ) : (
        <>
          <p>
            {t('appointments.detail.changeUntil', {
              when: whenText(lang, a.changeableUntil as string, a.timeZone),
            })}
          </p>
          <div className="button-row">
            <Link className="button" to={`/appointments/${a.id}/reschedule`}>
              {t('appointments.detail.reschedule')}
            </Link>
            <button
              type="button"
              className="button button--danger"
              onClick={() => setCancelling(true)}
            >
              {t('appointments.detail.cancel')}
            </button>
          </div>
          <CancelDialog
            appointment={a}
            open={cancelling}
            onClose={() => setCancelling(false)}
            onCancelled={() => {
              setCancelling(false);
              onCancelled();
            }}
          />
        </>
      )}
    </section>
  );
}
