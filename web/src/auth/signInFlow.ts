import { useCallback } from 'react';
import { useNavigate } from 'react-router';
import { changeLanguage } from '../i18n/index.ts';
import { takeReturnPath } from './returnPath.ts';
import { homePath } from './roles.ts';
import { useRefreshSession } from './session.ts';

export type Factor = 'totp' | 'recovery' | 'passkey';
export type NextStep = 'done' | 'mfa' | 'enrol-mfa' | 'offer-mfa';

/** What POST /api/session (and the other sign-in steps) answer. */
export interface SignInAnswer {
  next: NextStep;
  methods?: Factor[];
}

/** The page for the next sign-in step; null when signing in is done. */
export function stepPath(next: NextStep): string | null {
  switch (next) {
    case 'mfa':
      return '/sign-in/verify';
    case 'enrol-mfa':
      return '/sign-in/enrol';
    case 'offer-mfa':
      return '/sign-in/offer-mfa';
    default:
      return null;
  }
}

export interface VerifyState {
  methods?: Factor[];
}

/** Signing in is done: use the account's language and go where the user was heading. */
export function useFinishSignIn() {
  const refresh = useRefreshSession();
  const navigate = useNavigate();
  return useCallback(async () => {
    const session = await refresh();
    if (session.user) await changeLanguage(session.user.language);
    await navigate(takeReturnPath() ?? homePath(session.roles ?? []), { replace: true });
  }, [navigate, refresh]);
}

/** After any sign-in step: go to the next step's page, or finish. */
export function useContinueSignIn() {
  const refresh = useRefreshSession();
  const navigate = useNavigate();
  const finish = useFinishSignIn();
  return useCallback(
    async (answer: SignInAnswer) => {
      const path = stepPath(answer.next);
      if (!path) return finish();
      await refresh();
      const state: VerifyState = { methods: answer.methods };
      await navigate(path, { state });
    },
    [finish, navigate, refresh],
  );
}
