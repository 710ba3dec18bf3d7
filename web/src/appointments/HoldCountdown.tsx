import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { minutesSeconds } from '../i18n/format.ts';
import { type Announcement, holdAnnouncement, secondsLeft } from './countdown.ts';

/**
 * How long the time stays held. The clock is for the eyes; a screen reader
 * hears the time left only at a few marks (countdown.ts), politely.
 */
export function HoldCountdown({ expiresAt }: { expiresAt: string }) {
  const { t } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  const left = secondsLeft(expiresAt, now);
  const before = useRef(left);
  const [said, setSaid] = useState<Announcement | null>(null);

  const running = left > 0;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [running]);

  useEffect(() => {
    const announcement = holdAnnouncement(before.current, left);
    before.current = left;
    if (announcement) setSaid(announcement);
  }, [left]);

  const spoken =
    said === null
      ? ''
      : said === 'ended'
        ? t('appointments.hold.ended')
        : 'minutes' in said
          ? t('appointments.hold.minutesLeft', { count: said.minutes })
          : t('appointments.hold.secondsLeft', { count: said.seconds });
  return (
    <>
      {left > 0 ? (
        <p className="hold-clock">
          {t('appointments.hold.left')} <strong>{minutesSeconds(left)}</strong>
        </p>
      ) : (
        <p className="notice notice--info">{t('appointments.hold.ended')}</p>
      )}
      <p role="status" className="visually-hidden">
        {spoken}
      </p>
    </>
  );
}
