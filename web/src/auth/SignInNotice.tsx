import { useTranslation } from 'react-i18next';
import { useLocation } from 'react-router';
import { Notice } from '../forms/Notice.tsx';
import type { SignInState } from './useSignOut.ts';

/** Why the visitor is on the sign-in page, if the app sent them here. */
export function SignInNotice() {
  const { t } = useTranslation();
  const state = (useLocation().state ?? {}) as SignInState;
  switch (state.notice) {
    case 'idle':
      return <Notice>{t('signIn.notice.idle', { count: state.idleMinutes ?? 15 })}</Notice>;
    case 'expired':
      return <Notice>{t('signIn.notice.expired')}</Notice>;
    case 'signedOut':
      return <Notice kind="success">{t('signIn.notice.signedOut')}</Notice>;
    case 'signInRequired':
      return <Notice>{t('signIn.notice.signInRequired')}</Notice>;
    case 'mfaFailed':
      return <Notice>{t('apiErrors.session_ended')}</Notice>;
    case 'passwordReset':
      return <Notice kind="success">{t('signIn.notice.passwordReset')}</Notice>;
    default:
      return null;
  }
}
