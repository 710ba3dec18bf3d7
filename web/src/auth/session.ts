import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api, rememberCsrfToken } from '../api.ts';
import type { RoleGrant } from './roles.ts';
import type { Factor } from './signInFlow.ts';

/** GET /api/session (src/modules/accounts/session-routes.ts). */
export interface SessionState {
  csrfToken: string;
  signedIn: boolean;
  /** False while a second factor is still due. */
  complete?: boolean;
  user?: {
    id: string;
    email: string;
    displayName: string;
    language: 'en' | 'es';
    patientId: string | null;
    mfaEnrolled: boolean;
    mfaDeclined: boolean;
  };
  roles?: RoleGrant[];
  actingForPatientId?: string | null;
  idleMinutes?: number;
  idleExpiresAt?: string;
  expiresAt?: string;
  /** Second factors the user can answer with. */
  methods?: Factor[];
  /** Until when sensitive actions need no new password. */
  recentAuthUntil?: string | null;
  /** Set here, never by the server: signing out has begun. */
  leaving?: boolean;
}

export const sessionKey = ['session'] as const;

const sessionQuery = queryOptions({
  queryKey: sessionKey,
  queryFn: async ({ client, signal }) => {
    // The first load counts as activity (a page load); later checks do not.
    const background = client.getQueryData(sessionKey) !== undefined;
    const state = await api<SessionState>('/api/session', { signal, background });
    rememberCsrfToken(state.csrfToken);
    return state;
  },
  staleTime: 60_000,
});

export function useSession() {
  return useQuery(sessionQuery);
}

/** After a sign-in step or sign-out the session changed: read it again now. */
export function useRefreshSession() {
  const client = useQueryClient();
  return useCallback(() => client.fetchQuery({ ...sessionQuery, staleTime: 0 }), [client]);
}

/**
 * Forgets everything cached about the previous user (their records must not
 * linger in memory for the next person at this computer) and marks the
 * browser as signed out.
 */
export function useForgetSession() {
  const client = useQueryClient();
  return useCallback(() => {
    client.clear();
    rememberCsrfToken(null);
  }, [client]);
}
