import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { PasswordField } from '../forms/PasswordField.tsx';
import { missingFields } from '../forms/problems.ts';
import { SelectField } from '../forms/SelectField.tsx';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { isLanguage, languages } from '../i18n/language.ts';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { PasswordRules } from './PasswordRules.tsx';
import { type SignInAnswer, useContinueSignIn } from './signInFlow.ts';

const idFor = (field: string) => `activate-${field}`;

// A patient turns the code from their clinic (letter or e-mail) into an
// account: first the code and birth date, then e-mail, password and language.
export function ActivatePage() {
  const { t } = useTranslation();
  usePageTitle(t('activate.title'));
  const [checked, setChecked] = useState<{ code: string; birthDate: string } | null>(null);
  return (
    <div className="narrow">
      <h1>{t('activate.title')}</h1>
      {checked ? <AccountStep {...checked} /> : <CodeStep onChecked={setChecked} />}
    </div>
  );
}

function CodeStep({ onChecked }: { onChecked: (v: { code: string; birthDate: string }) => void }) {
  const { t } = useTranslation();
  const form = useProblems(['code', 'birthDate']);
  const [values, setValues] = useState({ code: '', birthDate: '' });
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof values) => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = missingFields(values, {
      code: t('activate.codeMissing'),
      birthDate: t('activate.birthDateMissing'),
    });
    form.setProblems(missing);
    if (missing.length > 0 || busy) return;
    setBusy(true);
    const input = { code: values.code.trim(), birthDate: values.birthDate };
    try {
      await api('/api/activation/check', { method: 'POST', json: input });
      onChecked(input);
    } catch (error) {
      form.fromError(error);
      setBusy(false);
    }
  };

  return (
    <>
      <p>{t('activate.intro')}</p>
      <h2>{t('activate.step1')}</h2>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor('code')}
          label={t('activate.code')}
          hint={t('activate.codeHint')}
          className="input--code"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          value={values.code}
          onValue={set('code')}
          error={form.errorFor('code')}
        />
        <TextField
          id={idFor('birthDate')}
          label={t('activate.birthDate')}
          hint={t('activate.birthDateHint')}
          type="date"
          autoComplete="bday"
          value={values.birthDate}
          onValue={set('birthDate')}
          error={form.errorFor('birthDate')}
        />
        <button type="submit" className="button" aria-disabled={busy}>
          {t('activate.continue')}
        </button>
      </form>
    </>
  );
}

function AccountStep({ code, birthDate }: { code: string; birthDate: string }) {
  const { t, i18n } = useTranslation();
  const next = useContinueSignIn();
  const form = useProblems(['email', 'password', 'language']);
  const heading = useRef<HTMLHeadingElement>(null);
  const current = i18n.resolvedLanguage;
  const [values, setValues] = useState({
    email: '',
    password: '',
    language: isLanguage(current) ? current : 'en',
  });
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof values) => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));
  useEffect(() => heading.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = missingFields(values, {
      email: t('activate.emailMissing'),
      password: t('activate.passwordMissing'),
    });
    form.setProblems(missing);
    if (missing.length > 0 || busy) return;
    setBusy(true);
    try {
      const answer = await api<SignInAnswer>('/api/activation', {
        method: 'POST',
        json: {
          code,
          birthDate,
          email: values.email.trim(),
          password: values.password,
          language: values.language,
        },
      });
      await next(answer);
    } catch (error) {
      form.fromError(error);
      setBusy(false);
    }
  };

  return (
    <>
      <h2 ref={heading} tabIndex={-1}>
        {t('activate.step2')}
      </h2>
      <p>{t('activate.step2Intro')}</p>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor('email')}
          label={t('activate.email')}
          hint={t('activate.emailHint')}
          type="email"
          autoComplete="email"
          spellCheck={false}
          value={values.email}
          onValue={set('email')}
          error={form.errorFor('email')}
        />
        <PasswordField
          id={idFor('password')}
          label={t('activate.password')}
          hint={<PasswordRules />}
          autoComplete="new-password"
          value={values.password}
          onValue={set('password')}
          error={form.errorFor('password')}
        />
        <SelectField
          id={idFor('language')}
          label={t('activate.language')}
          value={values.language}
          onValue={set('language')}
          options={languages.map((lang) => ({ value: lang, label: t(`language.${lang}`), lang }))}
          error={form.errorFor('language')}
        />
        <button type="submit" className="button" aria-disabled={busy}>
          {t('activate.submit')}
        </button>
      </form>
    </>
  );
}
