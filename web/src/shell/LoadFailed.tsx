import { useTranslation } from 'react-i18next';
import { errorMessage } from '../forms/messages.ts';

/** A query failed: say why (in the reader's language) and offer to try again. */
export function LoadFailed({ error, retry }: { error: unknown; retry: () => void }) {
  const { t, i18n } = useTranslation();
  return (
    <div className="notice notice--error" role="alert">
      <p>{errorMessage(t, i18n.resolvedLanguage ?? 'en', error)}</p>
      <button type="button" className="button" onClick={retry}>
        {t('common.retry')}
      </button>
    </div>
  );
}
