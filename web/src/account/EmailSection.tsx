import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { Notice } from '../forms/Notice.tsx';
import { missingFields } from '../forms/problems.ts';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import type { Account } from './account.ts';
import { useStepUp } from './StepUp.tsx';

const idFor = (field: string) => `email-${field}`;

// The new address counts only once the link sent to it is opened.
export function EmailSection({ account }: { account: Account }) {
  const { t } = useTranslation();
  const guarded = useStepUp();
  const form = useProblems(['newEmail'], { same_email: 'newEmail' });
  const [newEmail, setNewEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSentTo(null);
    const missing = missingFields({ newEmail }, { newEmail: t('changeEmail.missing') });
    form.setProblems(missing);
    if (missing.length > 0 || busy) return;
    setBusy(true);
    try {
      const address = newEmail.trim();
      await guarded(() =>
        api('/api/account/email', { method: 'POST', json: { newEmail: address } }),
      );
      setNewEmail('');
      setSentTo(address);
    } catch (error) {
      form.fromError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card section" aria-labelledby="email-title">
      <h2 id="email-title">{t('changeEmail.title')}</h2>
      <p>
        {t('changeEmail.current')} <strong>{account.email}</strong>
      </p>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      {sentTo && <Notice kind="success">{t('changeEmail.sent', { email: sentTo })}</Notice>}
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor('newEmail')}
          label={t('changeEmail.new')}
          type="email"
          autoComplete="email"
          spellCheck={false}
          value={newEmail}
          onValue={setNewEmail}
          error={form.errorFor('newEmail')}
        />
        <button type="submit" className="button" aria-disabled={busy}>
          {t('changeEmail.submit')}
        </button>
      </form>
    </section>
  );
}
