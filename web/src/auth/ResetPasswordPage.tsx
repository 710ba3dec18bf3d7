import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { api } from '../api.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { Notice } from '../forms/Notice.tsx';
import { PasswordField } from '../forms/PasswordField.tsx';
import { missingFields } from '../forms/problems.ts';
import { useProblems } from '../forms/useProblems.ts';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { takeHashToken } from './hashToken.ts';
import { PasswordRules } from './PasswordRules.tsx';
import type { SignInState } from './useSignOut.ts';

const idFor = (field: string) => `reset-${field}`;

export function ResetPasswordPage() {
  const { t } = useTranslation();
  usePageTitle(t('reset.title'));
  const navigate = useNavigate();
  const [token] = useState(takeHashToken);
  const form = useProblems(['password']);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = missingFields({ password }, { password: t('reset.passwordMissing') });
    form.setProblems(missing);
    if (missing.length > 0 || busy) return;
    setBusy(true);
    try {
      await api('/api/password/reset', { method: 'POST', json: { token, password } });
      const state: SignInState = { notice: 'passwordReset' };
      await navigate('/sign-in', { replace: true, state });
    } catch (error) {
      form.fromError(error);
      setBusy(false);
    }
  };

  return (
    <div className="narrow">
      <h1>{t('reset.title')}</h1>
      {token ? (
        <>
          <ErrorSummary problems={form.problems} idFor={idFor} />
          <form className="form" noValidate onSubmit={submit}>
            <PasswordField
              id={idFor('password')}
              label={t('reset.password')}
              hint={<PasswordRules />}
              autoComplete="new-password"
              value={password}
              onValue={setPassword}
              error={form.errorFor('password')}
            />
            <button type="submit" className="button" aria-disabled={busy}>
              {t('reset.submit')}
            </button>
          </form>
        </>
      ) : (
        <Notice kind="error">{t('reset.noToken')}</Notice>
      )}
      <p>
        <Link to="/forgot-password">{t('reset.newLink')}</Link>
      </p>
    </div>
  );
}
