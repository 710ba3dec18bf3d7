import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { sessionKey } from '../auth/session.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { Notice } from '../forms/Notice.tsx';
import { missingFields } from '../forms/problems.ts';
import { SelectField } from '../forms/SelectField.tsx';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { changeLanguage } from '../i18n/index.ts';
import { isLanguage, languages } from '../i18n/language.ts';
import { type Account, accountKey } from './account.ts';

const idFor = (field: string) => `profile-${field}`;

// Name and language. The language is the account's: it is used for e-mails,
// and the app switches to it at once (and at every sign-in).
export function ProfileSection({ account }: { account: Account }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const form = useProblems(['displayName', 'language']);
  const [values, setValues] = useState({
    displayName: account.displayName,
    language: account.language as string,
  });
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof values) => (value: string) => {
    setSaved(false);
    setValues((v) => ({ ...v, [field]: value }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = missingFields(values, { displayName: t('profile.nameMissing') });
    form.setProblems(missing);
    if (missing.length > 0 || busy) return;
    setBusy(true);
    try {
      const updated = await api<Account>('/api/account', {
        method: 'PATCH',
        json: { displayName: values.displayName.trim(), language: values.language },
      });
      client.setQueryData(accountKey, updated);
      await client.invalidateQueries({ queryKey: sessionKey });
      if (isLanguage(updated.language)) await changeLanguage(updated.language);
      setSaved(true);
    } catch (error) {
      form.fromError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card section" aria-labelledby="profile-title">
      <h2 id="profile-title">{t('profile.title')}</h2>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      {saved && <Notice kind="success">{t('profile.saved')}</Notice>}
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor('displayName')}
          label={t('profile.name')}
          hint={t('profile.nameHint')}
          autoComplete="name"
          value={values.displayName}
          onValue={set('displayName')}
          error={form.errorFor('displayName')}
        />
        <SelectField
          id={idFor('language')}
          label={t('profile.language')}
          value={values.language}
          onValue={set('language')}
          options={languages.map((lang) => ({ value: lang, label: t(`language.${lang}`), lang }))}
          error={form.errorFor('language')}
        />
        <button type="submit" className="button" aria-disabled={busy}>
          {t('profile.save')}
        </button>
      </form>
    </section>
  );
}
