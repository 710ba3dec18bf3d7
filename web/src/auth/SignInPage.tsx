import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { PasswordField } from '../forms/PasswordField.tsx';
import { missingFields } from '../forms/problems.ts';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { PasskeySignInButton } from './PasskeySignInButton.tsx';
import { SignInNotice } from './SignInNotice.tsx';
import { type SignInAnswer, useContinueSignIn } from './signInFlow.ts';

const FIELDS = ['email', 'password'] as const;
const idFor = (field: string) => `sign-in-${field}`;

export function SignInPage() {
  const { t } = useTranslation();
  usePageTitle(t('signIn.title'));
  const next = useContinueSignIn();
  const form = useProblems(FIELDS);
  const [values, setValues] = useState({ email: '', password: '' });
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof values) => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = missingFields(values, {
      email: t('signIn.emailMissing'),
      password: t('signIn.passwordMissing'),
    });
    form.setProblems(missing);
    if (missing.length > 0 || busy) return;
    setBusy(true);
    try {
      const answer = await api<SignInAnswer>('/api/session', {
        method: 'POST',
        json: { email: values.email.trim(), password: values.password },
      });
      await next(answer);
    } catch (error) {
      form.fromError(error);
      setBusy(false);
    }
  };

  return (
    <div className="narrow">
      <h1>{t('signIn.title')}</h1>
      <SignInNotice />
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor('email')}
          label={t('signIn.email')}
          type="email"
          autoComplete="username"
          spellCheck={false}
          value={values.email}
          onValue={set('email')}
          error={form.errorFor('email')}
        />
        <PasswordField
          id={idFor('password')}
          label={t('signIn.password')}
          autoComplete="current-password"
          value={values.password}
          onValue={set('password')}
          error={form.errorFor('password')}
        />
        <button type="submit" className="button" aria-disabled={busy}>
          {t('signIn.submit')}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">{t('signIn.forgot')}</Link>
      </p>
      <div className="divider">
        <h2>{t('signIn.passkeyHeading')}</h2>
        <p>{t('signIn.passkeyIntro')}</p>
        <PasskeySignInButton />
      </div>
      <div className="divider">
        <h2>{t('signIn.newHeading')}</h2>
        <p>{t('signIn.newIntro')}</p>
        <p>
          <Link to="/activate">{t('signIn.activate')}</Link>
        </p>
      </div>
    </div>
  );
}
