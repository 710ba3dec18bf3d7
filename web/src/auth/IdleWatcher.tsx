import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, onServerActivity } from '../api.ts';
import { minutesSeconds } from '../i18n/format.ts';
import { Dialog } from '../shell/Dialog.tsx';
import { broadcast, onTabMessage } from './broadcast.ts';
import { IdleTracker } from './idle.ts';
import { useSignOut } from './useSignOut.ts';

const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'wheel'] as const;

// Mirrors the server's idle timeout: a warning dialog two minutes before it,
// and sign-out at zero. See idle.ts for the rules.
export function IdleWatcher({ idleMinutes }: { idleMinutes: number }) {
  const { t } = useTranslation();
  const signOut = useSignOut();
  const tracker = useRef<IdleTracker | null>(null);
  tracker.current ??= new IdleTracker(idleMinutes, Date.now());
  const pinging = useRef(false);
  const ended = useRef(false);
  const [warning, setWarning] = useState(false);
  const [secondsLeft, setSecondsLeft] = useState(0);

  const keepAlive = useCallback(async () => {
    if (pinging.current) return;
    pinging.current = true;
    const startedAt = Date.now();
    try {
      await api('/api/session/keep-alive', { method: 'POST' });
      tracker.current?.touched(startedAt, true);
      broadcast({ type: 'touched', at: startedAt });
    } catch {
      // A failed keep-alive changes nothing here; an ended session is handled by the API layer.
    } finally {
      pinging.current = false;
    }
  }, []);

  const tick = useCallback(() => {
    const idle = tracker.current;
    if (!idle || ended.current) return;
    const now = Date.now();
    if (idle.pingDue(now)) void keepAlive();
    const phase = idle.phase(now);
    if (phase === 'expired') {
      ended.current = true;
      setWarning(false);
      void signOut({ notice: 'idle', idleMinutes });
      return;
    }
    setWarning(phase === 'warning');
    // Re-render once a second only while the countdown shows.
    setSecondsLeft(phase === 'warning' ? Math.ceil(idle.msLeft(now) / 1000) : 0);
  }, [idleMinutes, keepAlive, signOut]);

  useEffect(() => {
    const timer = setInterval(tick, 1000);
    // A sleeping laptop pauses timers: check as soon as the page is seen again.
    document.addEventListener('visibilitychange', tick);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [tick]);

  useEffect(() => {
    const onActivity = () => tracker.current?.active(Date.now());
    for (const type of ACTIVITY_EVENTS)
      window.addEventListener(type, onActivity, { capture: true, passive: true });
    const stopServer = onServerActivity((at) => {
      tracker.current?.touched(at);
      broadcast({ type: 'touched', at });
    });
    const stopTabs = onTabMessage((message) => {
      if (message.type === 'touched') tracker.current?.touched(message.at);
    });
    return () => {
      for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, onActivity, true);
      stopServer();
      stopTabs();
    };
  }, []);

  const stay = async () => {
    await keepAlive();
    tick();
  };

  return (
    <Dialog
      open={warning}
      title={t('idle.title')}
      describedBy="idle-description"
      onCancel={() => void stay()}
    >
      <p id="idle-description">{t('idle.body', { count: idleMinutes })}</p>
      <p className="idle__countdown">
        {t('idle.timeLeft')} <span role="timer">{minutesSeconds(secondsLeft)}</span>
      </p>
      <div className="button-row">
        <button type="button" className="button" onClick={() => void stay()}>
          {t('idle.stay')}
        </button>
        <button
          type="button"
          className="button button--secondary"
          onClick={() => {
            ended.current = true;
            setWarning(false);
            void signOut();
          }}
        >
          {t('idle.signOut')}
        </button>
      </div>
    </Dialog>
  );
}
