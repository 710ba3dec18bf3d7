import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { PasswordRules } from '../auth/PasswordRules.tsx';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { Notice } from '../forms/Notice.tsx';
import { PasswordField } from '../forms/PasswordField.tsx';
import { missingFields } from '../forms/problems.ts';
import { useProblems } from '../forms/useProblems.ts';
import { useStepUp } from './StepUp.tsx';

const idFor = (field: string) => `password-${field}`;
const EMPTY = { currentPassword: '', newPassword: '' };

export function PasswordSection() {
  const { t } = useTranslation();
  const guarded = useStepUp();
  const form = useProblems(['currentPassword', 'newPassword'], {
    wrong_password: 'currentPassword',
    weak_password: 'newPassword',
  });
  const [values, setValues] = useState(EMPTY);
  const [done, setDone] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof values) => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    const missing = missingFields(values, {
      currentPassword: t('changePassword.currentMissing'),
      newPassword: t('changePassword.newMissing'),
    });
    form.setProblems(missing);
    if (missing.length > 0 || busy) return;
    setBusy(true);
    try {
      const answer = await guarded(() =>
        api<{ otherSessionsEnded: number }>('/api/account/password', {
          method: 'PUT',
          json: values,
        }),
      );
      setValues(EMPTY);
      setDone(answer.otherSessionsEnded);
    } catch (error) {
      form.fromError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card section" aria-labelledby="password-title">
      <h2 id="password-title">{t('changePassword.title')}</h2>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      {done !== null && <Notice kind="success">{t('changePassword.done', { count: done })}</Notice>}
      <form className="form" noValidate onSubmit={submit}>
        <PasswordField
          id={idFor('currentPassword')}
          label={t('changePassword.current')}
          autoComplete="current-password"
          value={values.currentPassword}
          onValue={set('currentPassword')}
          error={form.errorFor('currentPassword')}
        />
        <PasswordField
          id={idFor('newPassword')}
          label={t('changePassword.new')}
          hint={<PasswordRules />}
          autoComplete="new-password"
          value={values.newPassword}
          onValue={set('newPassword')}
          error={form.errorFor('newPassword')}
        />
        <button type="submit" className="button" aria-disabled={busy}>
          {t('changePassword.submit')}
        </button>
      </form>
    </section>
  );
}
