import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { Dialog } from '../shell/Dialog.tsx';
import { schedulingErrorMessage } from './errors.ts';
import { cancelWithReason, useAppointmentChanged } from './queries.ts';
import type { Appointment } from './types.ts';

const idFor = (field: string) => `cancel-${field}`;

/** Cancelling asks why (the clinic sees the reason); Escape or "Keep it" closes. */
export function CancelDialog(props: {
  appointment: Appointment;
  open: boolean;
  onClose: () => void;
  onCancelled: (appointment: Appointment) => void;
}) {
  const { t } = useTranslation();
  return (
    <Dialog
      open={props.open}
      title={t('appointments.cancel.title')}
      describedBy={idFor('intro')}
      onCancel={props.onClose}
    >
      <CancelForm {...props} />
    </Dialog>
  );
}

function CancelForm({ appointment, onClose, onCancelled }: Parameters<typeof CancelDialog>[0]) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const form = useProblems(['reason']);
  const changed = useAppointmentChanged();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!reason.trim()) {
      form.setProblems([{ field: 'reason', message: t('appointments.cancel.missing') }]);
      return;
    }
    setBusy(true);
    try {
      const cancelled = await cancelWithReason(appointment.id, reason.trim());
      await changed(cancelled);
      onCancelled(cancelled);
    } catch (error) {
      form.setProblems([{ message: schedulingErrorMessage(t, lang, error) }]);
      setBusy(false);
    }
  };
  return (
    <>
      <p id={idFor('intro')}>{t('appointments.cancel.intro')}</p>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor('reason')}
          label={t('appointments.cancel.reason')}
          hint={t('appointments.cancel.reasonHint')}
          maxLength={500}
          autoComplete="off"
          required
          value={reason}
          onValue={setReason}
          error={form.errorFor('reason')}
        />
        <div className="button-row">
          <button type="submit" className="button button--danger" aria-disabled={busy}>
            {t('appointments.cancel.confirm')}
          </button>
          <button type="button" className="button button--secondary" onClick={onClose}>
            {t('appointments.cancel.keep')}
          </button>
        </div>
      </form>
    </>
  );
}
