import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation } from 'react-router';
import { api } from '../api.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { missingFields } from '../forms/problems.ts';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { PasskeySignInButton } from './PasskeySignInButton.tsx';
import { SignOutLink } from './SignOutLink.tsx';
import { useSession } from './session.ts';
import {
  type Factor,
  type SignInAnswer,
  useContinueSignIn,
  type VerifyState,
} from './signInFlow.ts';
import { digitsOnly } from './totp.ts';

type Method = 'totp' | 'recovery';
const CODE_METHODS: readonly Method[] = ['totp', 'recovery'];
const idFor = (field: string) => `mfa-${field}`;

// The second sign-in step: a code from the authenticator app, a recovery code,
// or a passkey.
export function MfaChallengePage() {
  const { t } = useTranslation();
  usePageTitle(t('mfa.title'));
  const session = useSession();
  const state = (useLocation().state ?? {}) as VerifyState;
  const methods: Factor[] = state.methods ??
    session.data?.methods ?? ['totp', 'recovery', 'passkey'];
  const codeMethods = CODE_METHODS.filter((m) => methods.includes(m));
  const [chosen, setChosen] = useState<Method | null>(null);
  // The user's choice, if still offered; else the first way that takes a code.
  const method = chosen && codeMethods.includes(chosen) ? chosen : (codeMethods[0] ?? null);
  const switches = codeMethods.filter((m) => m !== method);
  const passkey = methods.includes('passkey');

  if (session.isPending) return <Loading />;
  if (!session.data?.signedIn) return <Navigate to="/sign-in" replace />;

  return (
    <div className="narrow">
      <h1>{t('mfa.title')}</h1>
      {method && <CodeForm key={method} method={method} />}
      {!method && passkey && <PasskeySignInButton label={t('mfa.usePasskey')} />}
      {method && (switches.length > 0 || passkey) && (
        <div className="divider">
          <h2>{t('mfa.otherWays')}</h2>
          {switches.length > 0 && (
            <ul className="plain-list">
              {switches.map((m) => (
                <li key={m}>
                  <button type="button" className="link-button" onClick={() => setChosen(m)}>
                    {m === 'totp' ? t('mfa.useApp') : t('mfa.useRecovery')}
                  </button>
                </li>
              ))}
            </ul>
          )}
          {passkey && <PasskeySignInButton label={t('mfa.usePasskey')} />}
        </div>
      )}
      <p>
        <SignOutLink />
      </p>
    </div>
  );
}

function CodeForm({ method }: { method: Method }) {
  const { t } = useTranslation();
  const next = useContinueSignIn();
  const form = useProblems(['code', 'recoveryCode']);
  const field = method === 'totp' ? 'code' : 'recoveryCode';
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = missingFields(
      { [field]: value },
      { [field]: method === 'totp' ? t('mfa.codeMissing') : t('mfa.recoveryMissing') },
    );
    form.setProblems(missing);
    if (missing.length > 0 || busy) return;
    setBusy(true);
    try {
      const json = method === 'totp' ? { code: digitsOnly(value) } : { recoveryCode: value.trim() };
      const answer = await api<SignInAnswer>('/api/session/mfa', { method: 'POST', json });
      await next({ ...answer, next: answer.next ?? 'done' });
    } catch (error) {
      form.fromError(error);
      setValue('');
      setBusy(false);
    }
  };

  return (
    <>
      <p>{method === 'totp' ? t('mfa.appIntro') : t('mfa.recoveryIntro')}</p>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor(field)}
          label={method === 'totp' ? t('mfa.code') : t('mfa.recoveryCode')}
          hint={method === 'totp' ? t('mfa.codeHint') : t('mfa.recoveryHint')}
          className={method === 'totp' ? 'input--code' : 'input--recovery'}
          inputMode={method === 'totp' ? 'numeric' : 'text'}
          autoComplete={method === 'totp' ? 'one-time-code' : 'off'}
          autoCapitalize="none"
          spellCheck={false}
          value={value}
          onValue={setValue}
          error={form.errorFor(field)}
        />
        <button type="submit" className="button" aria-disabled={busy}>
          {t('mfa.submit')}
        </button>
      </form>
    </>
  );
}
