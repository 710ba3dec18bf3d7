import { useTranslation } from 'react-i18next';
import type { Slot } from './types.ts';
import { timeText, whenText } from './when.ts';

interface Props {
  slot: Slot;
  timeZone: string;
  /** Under a day's heading only the time shows; alone, the date too. */
  withDate?: boolean;
  /** What a screen reader hears after the visible text (the day, under a heading). */
  context?: string;
  busy: boolean;
  onChoose: (slot: Slot) => void;
  index?: number;
}

/** One open time; choosing it holds it. */
export function TimeButton({ slot, timeZone, withDate, context, busy, onChoose, index }: Props) {
  const { i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const at = withDate
    ? whenText(lang, slot.startsAt, timeZone)
    : timeText(lang, slot.startsAt, timeZone);
  return (
    <button
      type="button"
      className="button button--secondary time-button"
      data-slot-id={slot.id}
      data-slot-index={index}
      aria-disabled={busy}
      onClick={() => !busy && onChoose(slot)}
    >
      <span>{at}</span>
      <span className="time-button__provider">{slot.providerName}</span>
      {context && <span className="visually-hidden">, {context}</span>}
    </button>
  );
}

/** A short list of times, each with its date: alternatives to one just taken. */
export function TimeChoices({
  slots,
  timeZone,
  busy,
  onChoose,
  label,
}: {
  slots: Slot[];
  timeZone: string;
  busy: boolean;
  onChoose: (slot: Slot) => void;
  label: string;
}) {
  return (
    <ul className="time-list time-list--dated" aria-label={label}>
      {slots.map((slot) => (
        <li key={slot.id}>
          <TimeButton slot={slot} timeZone={timeZone} withDate busy={busy} onChoose={onChoose} />
        </li>
      ))}
    </ul>
  );
}
