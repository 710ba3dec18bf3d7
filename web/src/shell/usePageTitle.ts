import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';

/** Sets document.title to "<page> · <portal name>", following the language. */
export function usePageTitle(page?: string): void {
  const { t } = useTranslation();
  const portal = t('app.name');
  useEffect(() => {
    document.title = page ? `${page} · ${portal}` : portal;
  }, [page, portal]);
}
