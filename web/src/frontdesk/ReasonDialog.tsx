import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { Dialog } from '../shell/Dialog.tsx';
import { deskError } from './frontDesk.ts';

const idFor = (field: string) => `reason-dialog-${field}`;

/**
 * Asks for the reason before a request is declined or an appointment
 * cancelled. The reason is required (the server checks too) and stays in
 * the portal: the patient's e-mail never carries it.
 */
export function ReasonDialog(props: {
  open: boolean;
  title: string;
  intro: string;
  confirm: string;
  onConfirm: (reason: string) => Promise<void>;
  onCancel: () => void;
}) {
  return (
    <Dialog
      open={props.open}
      title={props.title}
      describedBy={idFor('intro')}
      onCancel={props.onCancel}
    >
      <ReasonForm {...props} />
    </Dialog>
  );
}

function ReasonForm({ intro, confirm, onConfirm, onCancel }: Parameters<typeof ReasonDialog>[0]) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const form = useProblems(['reason']);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!reason.trim()) {
      form.setProblems([{ field: 'reason', message: t('frontDesk.reason.missing') }]);
      return;
    }
    setBusy(true);
    try {
      await onConfirm(reason.trim());
    } catch (error) {
      form.setProblems([{ message: deskError(t, lang, error) }]);
      setBusy(false);
    }
  };
  return (
    <>
      <p id={idFor('intro')}>{intro}</p>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor('reason')}
          label={t('frontDesk.reason.label')}
          hint={t('frontDesk.reason.hint')}
          maxLength={500}
          autoComplete="off"
          value={reason}
          onValue={setReason}
          error={form.errorFor('reason')}
        />
        <div className="button-row">
          <button type="submit" className="button button--danger" aria-disabled={busy}>
            {confirm}
          </button>
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('frontDesk.reason.back')}
          </button>
        </div>
      </form>
    </>
  );
}
