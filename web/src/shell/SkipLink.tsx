import { useTranslation } from 'react-i18next';

// A plain fragment link: <main id="main" tabIndex={-1}> receives focus natively.
export function SkipLink() {
  const { t } = useTranslation();
  return (
    <a className="skip-link" href="#main">
      {t('app.skipToMain')}
    </a>
  );
}
