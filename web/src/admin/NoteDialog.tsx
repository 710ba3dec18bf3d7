import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { Dialog } from '../shell/Dialog.tsx';

const idFor = (field: string) => `note-dialog-${field}`;

/**
 * Asks why before something is given up (discarding a change for the EHR,
 * dismissing a discrepancy). The note is required; the server checks too.
 */
export function NoteDialog(props: {
  open: boolean;
  title: ReactNode;
  intro: ReactNode;
  confirm: string;
  onConfirm: (note: string) => Promise<void>;
  onCancel: () => void;
}) {
  return (
    <Dialog
      open={props.open}
      title={props.title}
      describedBy={idFor('intro')}
      onCancel={props.onCancel}
    >
      <NoteForm {...props} />
    </Dialog>
  );
}

function NoteForm({ intro, confirm, onConfirm, onCancel }: Parameters<typeof NoteDialog>[0]) {
  const { t } = useTranslation();
  const form = useProblems(['note']);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!note.trim()) {
      form.setProblems([{ field: 'note', message: t('ehrDesk.noteMissing') }]);
      return;
    }
    setBusy(true);
    try {
      await onConfirm(note.trim());
    } catch (error) {
      form.fromError(error);
      setBusy(false);
    }
  };
  return (
    <>
      <p id={idFor('intro')}>{intro}</p>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor('note')}
          label={t('ehrDesk.note')}
          hint={t('ehrDesk.noteHint')}
          maxLength={1000}
          autoComplete="off"
          value={note}
          onValue={setNote}
          error={form.errorFor('note')}
        />
        <div className="button-row">
          <button type="submit" className="button button--danger" aria-disabled={busy}>
            {confirm}
          </button>
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('ehrDesk.cancel')}
          </button>
        </div>
      </form>
    </>
  );
}
