import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useRouteError } from 'react-router';
import { usePageTitle } from './usePageTitle.ts';

// Shown inside the shell when a page throws while rendering, so the header,
// language switch and navigation keep working.
export function RouteError() {
  const { t } = useTranslation();
  const error = useRouteError();
  usePageTitle(t('error.title'));
  useEffect(() => console.error(error), [error]);
  return (
    <div className="page-message">
      <h1>{t('error.title')}</h1>
      <p>{t('error.body')}</p>
      <p>
        <a href="/">{t('error.home')}</a>
      </p>
    </div>
  );
}
