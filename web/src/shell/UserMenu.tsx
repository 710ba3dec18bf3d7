import { useTranslation } from 'react-i18next';
import { useSignOut } from '../auth/useSignOut.ts';

/** Who is signed in, and the way out. */
export function UserMenu({ name }: { name: string }) {
  const { t } = useTranslation();
  const signOut = useSignOut();
  return (
    <div className="user-menu">
      <span className="user-menu__name">
        <span className="visually-hidden">{t('header.signedInAs')} </span>
        {name}
      </span>
      <button type="button" className="button button--secondary" onClick={() => void signOut()}>
        {t('header.signOut')}
      </button>
    </div>
  );
}
