import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { Notice } from '../forms/Notice.tsx';
import { missingFields } from '../forms/problems.ts';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { usePageTitle } from '../shell/usePageTitle.ts';

const idFor = (field: string) => `forgot-${field}`;

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  usePageTitle(t('forgot.title'));
  const form = useProblems(['email']);
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = missingFields({ email }, { email: t('forgot.emailMissing') });
    form.setProblems(missing);
    if (missing.length > 0 || busy) return;
    setBusy(true);
    try {
      await api('/api/password/forgot', { method: 'POST', json: { email: email.trim() } });
      setSent(true);
    } catch (error) {
      form.fromError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="narrow">
      <h1>{t('forgot.title')}</h1>
      {sent ? (
        <Notice kind="success">
          <p>{t('forgot.sent')}</p>
          <p>{t('forgot.sentHint')}</p>
        </Notice>
      ) : (
        <>
          <p>{t('forgot.intro')}</p>
          <ErrorSummary problems={form.problems} idFor={idFor} />
          <form className="form" noValidate onSubmit={submit}>
            <TextField
              id={idFor('email')}
              label={t('forgot.email')}
              type="email"
              autoComplete="email"
              spellCheck={false}
              value={email}
              onValue={setEmail}
              error={form.errorFor('email')}
            />
            <button type="submit" className="button" aria-disabled={busy}>
              {t('forgot.submit')}
            </button>
          </form>
        </>
      )}
      <p>
        <Link to="/sign-in">{t('forgot.back')}</Link>
      </p>
    </div>
  );
}
