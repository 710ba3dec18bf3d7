import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useNavigate } from 'react-router';
import { api, rememberCsrfToken } from '../api.ts';
import i18n, { changeLanguage } from '../i18n/index.ts';
import { isLanguage } from '../i18n/language.ts';
import { forgetAll } from '../memory.ts';
import { broadcast } from './broadcast.ts';
import { type SessionState, sessionKey } from './session.ts';

export type SignInNotice =
  | 'idle'
  | 'expired'
  | 'signedOut'
  | 'signInRequired'
  | 'mfaFailed'
  | 'passwordReset';

export interface SignInState {
  notice?: SignInNotice;
  idleMinutes?: number;
}

/**
 * The navigation, its unread badge polling the server, and the idle timer go
 * at once, before the session ends: anything they asked after would be a 401.
 */
function hideSignedInParts(client: QueryClient) {
  client.setQueryData<SessionState>(sessionKey, (s) => s && { ...s, leaving: true });
}

/**
 * Leaves the signed-in part of the app: first to the sign-in page (so no page
 * asks for data any more), then forgets every cached answer — it may be
 * someone's health record — and reads the (now signed-out) session again.
 */
export function useLeaveSession() {
  const client = useQueryClient();
  const navigate = useNavigate();
  return useCallback(
    async (state: SignInState) => {
      hideSignedInParts(client);
      await navigate('/sign-in', { replace: true, state });
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] });
      forgetAll();
      rememberCsrfToken(null);
      await client.refetchQueries({ queryKey: sessionKey });
    },
    [client, navigate],
  );
}

/** Ends the session on the server, then leaves (used by "Sign out" and at idle zero). */
export function useSignOut() {
  const client = useQueryClient();
  const leave = useLeaveSession();
  return useCallback(
    async (state: SignInState = { notice: 'signedOut' }) => {
      hideSignedInParts(client);
      // A read still on its way would reach the server after the session is gone.
      await client.cancelQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] });
      // Already ended (idle timeout on the server): leaving is all that is left to do.
      // An idle sign-out is reported as such, so the audit trail records a timeout.
      const url = state.notice === 'idle' ? '/api/session?reason=idle' : '/api/session';
      await api(url, { method: 'DELETE' }).catch(() => undefined);
      // Clear-Site-Data wiped this browser's storage, the language choice with it:
      // the next person here still gets the language on screen now.
      await changeLanguage(isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : 'en');
      broadcast({ type: 'signedOut' });
      await leave(state);
    },
    [client, leave],
  );
}
