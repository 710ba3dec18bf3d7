import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { Notice } from '../forms/Notice.tsx';
import type { Problem } from '../forms/problems.ts';
import { refillErrorMessage } from './errors.ts';
import { TextAreaField } from './TextAreaField.tsx';

/**
 * A text box with its own error summary, for one short text sent to the
 * server (the patient's answer; staff notes and questions). Clears on success.
 */
export function TextForm({
  name,
  label,
  hint,
  button,
  missing,
  done,
  send,
}: {
  /** Unique on the page: ids are built from it. */
  name: string;
  label: string;
  hint?: string;
  button: string;
  /** Said when the box is left empty. */
  missing: string;
  /** Said once it was sent (empty: the caller says it). */
  done: string;
  send: (text: string) => Promise<unknown>;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const [text, setText] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setSent(false);
    if (!text.trim()) return setProblems([{ field: name, message: missing }]);
    setBusy(true);
    try {
      await send(text.trim());
      setText('');
      setProblems([]);
      setSent(true);
    } catch (error) {
      setProblems([{ message: refillErrorMessage(t, lang, error) }]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" noValidate onSubmit={submit}>
      <ErrorSummary problems={problems} idFor={(field) => field} />
      {sent && done && <Notice kind="success">{done}</Notice>}
      <TextAreaField
        id={name}
        label={label}
        hint={hint}
        maxLength={2000}
        value={text}
        onValue={setText}
        error={problems.find((p) => p.field === name)?.message}
      />
      <div className="button-row">
        <button type="submit" className="button" aria-disabled={busy}>
          {button}
        </button>
      </div>
    </form>
  );
}
