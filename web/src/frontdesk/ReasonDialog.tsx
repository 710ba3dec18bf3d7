import { useTranslation } from 'react-i18next';
import { TextDialog } from '../forms/TextDialog.tsx';
import { deskError } from './frontDesk.ts';

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
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  return (
    <TextDialog
      {...props}
      id="reason-dialog"
      back={t('frontDesk.reason.back')}
      field={{
        label: t('frontDesk.reason.label'),
        hint: t('frontDesk.reason.hint'),
        missing: t('frontDesk.reason.missing'),
        maxLength: 500,
      }}
      problemOf={(error) => deskError(t, lang, error)}
    />
  );
}
