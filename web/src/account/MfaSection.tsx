import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { RecoveryCodes } from '../auth/RecoveryCodes.tsx';
import { sessionKey } from '../auth/session.ts';
import { TotpEnrolment } from '../auth/TotpEnrolment.tsx';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { type Account, accountKey } from './account.ts';
import { useStepUp } from './StepUp.tsx';

// The authenticator app (on/off) and recovery codes. Every change here needs
// a recent sign-in, which useStepUp() asks for when the server wants it.
export function MfaSection({ account }: { account: Account }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const guarded = useStepUp();
  const [codes, setCodes] = useState<string[] | null>(null);
  const [confirmOff, setConfirmOff] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: accountKey }),
      client.invalidateQueries({ queryKey: sessionKey }),
    ]);
  const fail = (error: unknown) =>
    setMessage({ kind: 'error', text: errorMessage(t, i18n.resolvedLanguage ?? 'en', error) });

  const newCodes = async () => {
    setMessage(null);
    try {
      const answer = await guarded(() =>
        api<{ recoveryCodes: string[] }>('/api/account/mfa/recovery-codes', { method: 'POST' }),
      );
      setCodes(answer.recoveryCodes);
      await refresh();
    } catch (error) {
      fail(error);
    }
  };

  const turnOff = async () => {
    setMessage(null);
    try {
      await guarded(() => api('/api/account/mfa/totp', { method: 'DELETE' }));
      setConfirmOff(false);
      setMessage({ kind: 'success', text: t('mfaSettings.turnedOff') });
      await refresh();
    } catch (error) {
      fail(error);
    }
  };

  return (
    <section className="card section" aria-labelledby="mfa-title">
      <h2 id="mfa-title">{t('mfaSettings.title')}</h2>
      <p>{t('mfaSettings.intro')}</p>
      <dl className="facts">
        <div>
          <dt>{t('mfaSettings.app')}</dt>
          <dd>{account.mfa.totp ? t('mfaSettings.on') : t('mfaSettings.off')}</dd>
        </div>
        <div>
          <dt>{t('mfaSettings.codesLeft')}</dt>
          <dd>{account.mfa.recoveryCodesLeft}</dd>
        </div>
      </dl>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {codes && (
        <>
          <RecoveryCodes codes={codes} />
          <button type="button" className="button" onClick={() => setCodes(null)}>
            {t('recoveryCodes.saved')}
          </button>
        </>
      )}
      {!codes && !account.mfa.totp && (
        <TotpEnrolment guarded={guarded} onDone={() => void refresh()} />
      )}
      {!codes && account.mfa.totp && (
        <div className="button-row">
          <button
            type="button"
            className="button button--secondary"
            onClick={() => void newCodes()}
          >
            {t('mfaSettings.newCodes')}
          </button>
          {!confirmOff && (
            <button
              type="button"
              className="button button--secondary"
              onClick={() => setConfirmOff(true)}
            >
              {t('mfaSettings.turnOff')}
            </button>
          )}
        </div>
      )}
      {confirmOff && (
        <div className="confirm">
          <p>{t('mfaSettings.turnOffQuestion')}</p>
          <div className="button-row">
            <button type="button" className="button button--danger" onClick={() => void turnOff()}>
              {t('mfaSettings.turnOffConfirm')}
            </button>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => setConfirmOff(false)}
            >
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
