import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { isPasskeyCancel, signInWithPasskey } from './passkeys.ts';
import { useContinueSignIn } from './signInFlow.ts';

export function PasskeySignInButton({ label }: { label?: string }) {
  const { t, i18n } = useTranslation();
  const next = useContinueSignIn();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const start = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await next(await signInWithPasskey());
    } catch (error) {
      setProblem(
        isPasskeyCancel(error)
          ? t('passkeys.cancelled')
          : errorMessage(t, i18n.resolvedLanguage ?? 'en', error),
      );
      setBusy(false);
    }
  };
  return (
    <div className="passkey-sign-in">
      <button
        type="button"
        className="button button--secondary"
        aria-disabled={busy}
        onClick={() => !busy && void start()}
      >
        {label ?? t('signIn.withPasskey')}
      </button>
      {problem && <Notice kind="error">{problem}</Notice>}
    </div>
  );
}
