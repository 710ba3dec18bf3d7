import { type Query, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useNavigate } from 'react-router';
import { api, rememberCsrfToken } from '../api.ts';
import i18n, { changeLanguage } from '../i18n/index.ts';
import { isLanguage } from '../i18n/language.ts';
import { forgetAll } from '../memory.ts';
import { unreadKey } from '../messages/queries.ts';
import { broadcast } from './broadcast.ts';
import { sessionKey } from './session.ts';

const sameKey = (q: Query, key: readonly string[]) =>
  key.every((part, i) => q.queryKey[i] === part);

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
 * Leaves the signed-in part of the app: first to the sign-in page (so no page
 * asks for data any more), then forgets every cached answer — it may be
 * someone's health record — and reads the (now signed-out) session again.
 */
export function useLeaveSession() {
  const client = useQueryClient();
  const navigate = useNavigate();
  return useCallback(
    async (state: SignInState) => {
      await navigate('/sign-in', { replace: true, state });
      // The navigation (and its unread badge) stays until the session is read
      // again: its count is kept till then, or the badge would ask anew and get a 401.
      const notNavigation = (q: Query) => !sameKey(q, sessionKey) && !sameKey(q, unreadKey);
      client.removeQueries({ predicate: notNavigation });
      forgetAll();
      rememberCsrfToken(null);
      await client.refetchQueries({ queryKey: sessionKey });
      client.removeQueries({ queryKey: unreadKey });
    },
    [client, navigate],
  );
}

/** Ends the session on the server, then leaves (used by "Sign out" and at idle zero). */
export function useSignOut() {
  const leave = useLeaveSession();
  return useCallback(
    async (state: SignInState = { notice: 'signedOut' }) => {
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
    [leave],
  );
}
