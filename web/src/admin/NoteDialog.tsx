import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { TextDialog } from '../forms/TextDialog.tsx';

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
  const { t } = useTranslation();
  return (
    <TextDialog
      {...props}
      id="note-dialog"
      back={t('ehrDesk.cancel')}
      field={{
        label: t('ehrDesk.note'),
        hint: t('ehrDesk.noteHint'),
        missing: t('ehrDesk.noteMissing'),
        maxLength: 1000,
      }}
    />
  );
}
