import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { Notice } from '../forms/Notice.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { messagesKey, setMessageEmail, useMessageEmail } from '../messages/queries.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';

const id = 'message-email';

// Whether a new message from the care team is announced by e-mail (the mail
// never carries the message; it says one is waiting and links to it).
export function MessageEmailSection() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const setting = useMessageEmail();
  const form = useProblems([]);
  const [email, setEmail] = useState(true);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const current = setting.data?.email;
  useEffect(() => {
    if (current !== undefined) setEmail(current);
  }, [current]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setSaved(false);
    form.clear();
    setBusy(true);
    try {
      const answer = await setMessageEmail(email);
      client.setQueryData([...messagesKey, 'email'], answer ?? { email });
      setSaved(true);
    } catch (error) {
      form.fromError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('messages.emailSetting.title')}</h2>
      {setting.isPending && <Loading />}
      {setting.isError && <LoadFailed error={setting.error} retry={() => void setting.refetch()} />}
      <ErrorSummary problems={form.problems} idFor={() => id} />
      {saved && <Notice kind="success">{t('messages.emailSetting.saved')}</Notice>}
      {setting.data && (
        <form className="form" noValidate onSubmit={submit}>
          <div className="checkbox">
            <input
              id={id}
              type="checkbox"
              checked={email}
              aria-describedby={`${id}-hint`}
              onChange={(event) => {
                setSaved(false);
                setEmail(event.target.checked);
              }}
            />
            <label htmlFor={id}>{t('messages.emailSetting.label')}</label>
          </div>
          <p id={`${id}-hint`} className="field__hint">
            {t('messages.emailSetting.hint')}
          </p>
          <button type="submit" className="button" aria-disabled={busy}>
            {t('common.save')}
          </button>
        </form>
      )}
    </section>
  );
}
