import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { takeHashToken } from './hashToken.ts';

// The link sent to a new e-mail address. Confirming takes a click, so a mail
// scanner that opens links does not confirm on the user's behalf.
export function ConfirmEmailPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('confirmEmail.title'));
  const [token] = useState(takeHashToken);
  const [state, setState] = useState<'ready' | 'busy' | 'done'>('ready');
  const [problem, setProblem] = useState<string | null>(null);

  const confirm = async () => {
    setState('busy');
    setProblem(null);
    try {
      await api('/api/account/email/confirm', { method: 'POST', json: { token } });
      setState('done');
    } catch (error) {
      setProblem(errorMessage(t, i18n.resolvedLanguage ?? 'en', error));
      setState('ready');
    }
  };

  return (
    <div className="narrow">
      <h1>{t('confirmEmail.title')}</h1>
      {!token && <Notice kind="error">{t('confirmEmail.noToken')}</Notice>}
      {token && state === 'done' && (
        <Notice kind="success">
          <p>{t('confirmEmail.done')}</p>
          <p>
            <Link to="/account">{t('confirmEmail.toAccount')}</Link>
          </p>
        </Notice>
      )}
      {token && state !== 'done' && (
        <>
          <p>{t('confirmEmail.intro')}</p>
          {problem && <Notice kind="error">{problem}</Notice>}
          <button
            type="button"
            className="button"
            aria-disabled={state === 'busy'}
            onClick={() => state === 'ready' && void confirm()}
          >
            {t('confirmEmail.submit')}
          </button>
        </>
      )}
    </div>
  );
}
