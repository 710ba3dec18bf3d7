import { type FormEvent, type ReactNode, useState } from 'react';
import { Dialog } from '../shell/Dialog.tsx';
import { ErrorSummary } from './ErrorSummary.tsx';
import { TextField } from './TextField.tsx';
import { useProblems } from './useProblems.ts';

export interface TextDialogProps {
  /** Unique on the page: names the dialog's fields. */
  id: string;
  open: boolean;
  title: ReactNode;
  intro: ReactNode;
  /** The confirming button: it gives something up, so it looks dangerous. */
  confirm: string;
  back: string;
  field: { label: string; hint: string; missing: string; maxLength: number };
  onConfirm: (text: string) => Promise<void>;
  onCancel: () => void;
  /** The problems a failed confirm shows (default: the form's own reading of the error). */
  problemOf?: (error: unknown) => string;
}

/**
 * Asks for a required text (a reason, a note) before something is given up.
 * The server checks it too; its refusal shows in the dialog's error summary.
 */
export function TextDialog(props: TextDialogProps) {
  return (
    <Dialog
      open={props.open}
      title={props.title}
      describedBy={`${props.id}-intro`}
      onCancel={props.onCancel}
    >
      <TextForm {...props} />
    </Dialog>
  );
}

function TextForm(p: TextDialogProps) {
  const idFor = (field: string) => `${p.id}-${field}`;
  const form = useProblems(['text']);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!text.trim()) {
      form.setProblems([{ field: 'text', message: p.field.missing }]);
      return;
    }
    setBusy(true);
    try {
      await p.onConfirm(text.trim());
    } catch (error) {
      if (p.problemOf) form.setProblems([{ message: p.problemOf(error) }]);
      else form.fromError(error);
      setBusy(false);
    }
  };
  return (
    <>
      <p id={idFor('intro')}>{p.intro}</p>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor('text')}
          label={p.field.label}
          hint={p.field.hint}
          maxLength={p.field.maxLength}
          autoComplete="off"
          value={text}
          onValue={setText}
          error={form.errorFor('text')}
        />
        <div className="button-row">
          <button type="submit" className="button button--danger" aria-disabled={busy}>
            {p.confirm}
          </button>
          <button type="button" className="button button--secondary" onClick={p.onCancel}>
            {p.back}
          </button>
        </div>
      </form>
    </>
  );
}
