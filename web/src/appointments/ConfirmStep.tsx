import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';
import { Notice } from '../forms/Notice.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { nextTimesOf, schedulingErrorMessage } from './errors.ts';
import { Facts } from './Facts.tsx';
import { useFocusOnMount } from './focus.ts';
import { HoldCountdown } from './HoldCountdown.tsx';
import { bookSlot, rescheduleTo, useAppointmentChanged } from './queries.ts';
import { uiLanguage } from './search.ts';
import { TimeChoices } from './TimeButton.tsx';
import type { Appointment, Held, Mode } from './types.ts';
import { useHold } from './useHold.ts';
import { whenText } from './when.ts';

interface Props {
  held: Held;
  /** The appointment being moved to this time, if any. */
  moving?: Appointment;
  focusHeading: boolean;
  onDone: (appointment: Appointment) => void;
  onOther: () => void;
  onHeld: (held: Held) => void;
}

const MODES: readonly Mode[] = ['in_person', 'video'];

// The held time, its countdown, and the one button that books it (or moves
// the appointment to it). A refusal is explained; when the time was taken,
// the next open times are one click away.
export function ConfirmStep({ held, moving, focusHeading, onDone, onOther, onHeld }: Props) {
  const { t, i18n } = useTranslation();
  const lang = uiLanguage(i18n.resolvedLanguage);
  const title = t(moving ? 'appointments.hold.moveTitle' : 'appointments.hold.title');
  usePageTitle(title);
  const heading = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const changed = useAppointmentChanged();
  const alternative = useHold(onHeld);
  const [mode, setMode] = useState<Mode>('in_person');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const { slot, clinic, visitType } = held;
  const choosesMode = visitType.mode === 'either' && !moving;
  const nextTimes = nextTimesOf(error);
  const gone = error instanceof ApiError && ['slot_taken', 'past'].includes(error.code);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const appointment = moving
        ? await rescheduleTo(moving.id, slot.id)
        : await bookSlot(slot.id, visitType.id, choosesMode ? mode : undefined);
      await changed(appointment);
      onDone(appointment);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const action = moving
    ? t('appointments.hold.move')
    : visitType.booking === 'request'
      ? t('appointments.hold.request')
      : t('appointments.hold.book');
  const problem = error ?? alternative.error;
  const rows: [string, string][] = [
    [t('appointments.facts.when'), whenText(lang, slot.startsAt, clinic.timeZone)],
  ];
  if (moving)
    rows.push([t('appointments.facts.instead'), whenText(lang, moving.startsAt, moving.timeZone)]);
  rows.push(
    [t('appointments.facts.clinic'), clinic.name],
    [t('appointments.facts.provider'), slot.providerName],
    [t('appointments.facts.visitType'), visitType.name[lang]],
  );
  if (visitType.mode !== 'either')
    rows.push([t('appointments.facts.mode'), t(`appointments.modes.${visitType.mode}`)]);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      <p className="lead">{t('appointments.hold.intro')}</p>
      <HoldCountdown key={held.slot.id} expiresAt={held.expiresAt} />
      <Facts rows={rows} />
      {visitType.booking === 'request' && !moving && <p>{t('appointments.hold.requestNote')}</p>}
      {problem !== null && (
        <Notice kind="error">
          <p>{schedulingErrorMessage(t, lang, problem)}</p>
        </Notice>
      )}
      {nextTimes.length > 0 && (
        <section className="section" aria-labelledby="confirm-next-title">
          <h2 id="confirm-next-title">{t('appointments.nextTimes.title')}</h2>
          <TimeChoices
            slots={nextTimes}
            timeZone={clinic.timeZone}
            busy={alternative.busy}
            label={t('appointments.nextTimes.title')}
            onChoose={(next) => void alternative.hold(next, clinic, visitType)}
          />
        </section>
      )}
      <form className="form" noValidate onSubmit={submit}>
        {choosesMode && (
          <fieldset className="choices">
            <legend>{t('appointments.hold.modeLegend')}</legend>
            {MODES.map((m) => (
              <div key={m} className="choice">
                <input
                  id={`confirm-mode-${m}`}
                  type="radio"
                  name="mode"
                  value={m}
                  checked={mode === m}
                  onChange={() => setMode(m)}
                />
                <label htmlFor={`confirm-mode-${m}`}>{t(`appointments.modes.${m}`)}</label>
              </div>
            ))}
          </fieldset>
        )}
        <div className="button-row">
          {!gone && (
            <button type="submit" className="button" aria-disabled={busy}>
              {action}
            </button>
          )}
          <button type="button" className="button button--secondary" onClick={onOther}>
            {t('appointments.hold.other')}
          </button>
        </div>
      </form>
    </>
  );
}
