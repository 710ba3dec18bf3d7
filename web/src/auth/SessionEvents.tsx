import { useEffect } from 'react';
import { useLocation } from 'react-router';
import { onSessionEnded } from '../api.ts';
import { onTabMessage } from './broadcast.ts';
import { rememberReturnPath } from './returnPath.ts';
import { useLeaveSession } from './useSignOut.ts';

// When the server says the session is over (or another tab signed out), go to
// the sign-in page with a polite message, and come back here afterwards.
export function SessionEvents() {
  const leave = useLeaveSession();
  const { pathname } = useLocation();
  useEffect(
    () =>
      onSessionEnded((code) => {
        if (code === 'session_ended') return void leave({ notice: 'mfaFailed' });
        if (pathname === '/sign-in') return;
        rememberReturnPath(pathname);
        void leave({ notice: code === 'session_expired' ? 'expired' : 'signInRequired' });
      }),
    [leave, pathname],
  );
  useEffect(
    () =>
      onTabMessage((message) => {
        if (message.type === 'signedOut') void leave({ notice: 'signedOut' });
      }),
    [leave],
  );
  return null;
}
