import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { timeZoneName } from '../i18n/format.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { useSlots } from './queries.ts';
import { isFirstAvailable, type Search } from './search.ts';
import { TimeButton } from './TimeButton.tsx';
import type { Slot } from './types.ts';
import { dayText, groupByDay } from './when.ts';

interface Props {
  search: Search;
  busy: boolean;
  onChoose: (slot: Slot) => void;
  /** The time to put focus back on (coming back from the confirm step). */
  focusSlotId: string | null;
}

// Open times grouped by the clinic's day, earliest first; "Show later times"
// adds the next page and moves focus to its first time.
export function SlotResults({ search, busy, onChoose, focusSlotId }: Props) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const titleId = useId();
  const box = useRef<HTMLDivElement>(null);
  const slots = useSlots(search);
  const [focusIndex, setFocusIndex] = useState<number | null>(null);
  const all = slots.data?.pages.flatMap((p) => p.slots) ?? [];
  const timeZone = slots.data?.pages[0]?.timeZone;

  // Once the times are there: back to the chosen time, or to the first of a new page.
  const backTo = useRef(focusSlotId);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (all.length === 0) return;
    const slotId = backTo.current;
    backTo.current = null;
    const selector =
      focusIndex !== null
        ? `[data-slot-index="${focusIndex}"]`
        : slotId && `[data-slot-id="${CSS.escape(slotId)}"]`;
    if (!selector) return;
    const target = box.current?.querySelector<HTMLElement>(selector) ?? heading.current;
    target?.focus();
    setFocusIndex(null);
  }, [focusIndex, all.length]);

  const more = async () => {
    const before = all.length;
    const next = await slots.fetchNextPage();
    if (!next.isError) setFocusIndex(before);
  };

  let index = 0;
  return (
    <section className="section" aria-labelledby={titleId} aria-busy={slots.isFetching}>
      <h2 id={titleId} ref={heading} tabIndex={-1}>
        {t(isFirstAvailable(search) ? 'appointments.results.first' : 'appointments.results.title')}
      </h2>
      <p role="status" className="status">
        {slots.isPending && t('common.loading')}
        {slots.data &&
          (all.length === 0
            ? t('appointments.results.none')
            : t('appointments.results.found', { count: all.length }))}
      </p>
      {slots.isError && <LoadFailed error={slots.error} retry={() => void slots.refetch()} />}
      {timeZone && all.length > 0 && (
        <div ref={box}>
          <p>{t('appointments.results.zone', { zone: timeZoneName(lang, timeZone) })}</p>
          {groupByDay(all, timeZone).map(({ day, items }) => (
            <section key={day} className="time-day" aria-labelledby={`${titleId}-${day}`}>
              <h3 id={`${titleId}-${day}`}>{dayText(lang, day)}</h3>
              <ul className="time-list">
                {items.map((slot) => (
                  <li key={slot.id}>
                    <TimeButton
                      slot={slot}
                      timeZone={timeZone}
                      context={dayText(lang, day)}
                      busy={busy}
                      onChoose={onChoose}
                      index={index++}
                    />
                  </li>
                ))}
              </ul>
            </section>
          ))}
          {slots.hasNextPage && (
            <button
              type="button"
              className="button button--secondary"
              aria-disabled={slots.isFetchingNextPage}
              onClick={() => !slots.isFetchingNextPage && void more()}
            >
              {t('appointments.results.more')}
            </button>
          )}
        </div>
      )}
    </section>
  );
}
