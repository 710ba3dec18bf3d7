import { useTranslation } from 'react-i18next';
import { useSignOut } from './useSignOut.ts';

/** "Cancel and sign out" during a half-finished sign-in. */
export function SignOutLink() {
  const { t } = useTranslation();
  const signOut = useSignOut();
  return (
    <button type="button" className="link-button" onClick={() => void signOut()}>
      {t('mfa.cancel')}
    </button>
  );
}
