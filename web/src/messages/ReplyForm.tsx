import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { wording } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { type Problem, problemsFromError } from '../forms/problems.ts';
import '../refills/refills.css';
import { AttachmentsField } from './AttachmentsField.tsx';
import { DraftStatus } from './DraftStatus.tsx';
import { MessageBox } from './MessageBox.tsx';
import { sendReply, useMessagesChanged } from './queries.ts';
import { useAttachments } from './useAttachments.ts';
import { useDraftText } from './useDraftText.ts';

const FIELDS = ['body', 'attachmentIds'] as const;
const idFor = (field: string) => `reply-${field}`;

/** The reply box under a conversation, kept as a draft while typed. */
export function ReplyForm({ threadId, onSent }: { threadId: string; onSent: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const changed = useMessagesChanged();
  const draft = useDraftText(threadId);
  const files = useAttachments();
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setSent(false);
    const missing: Problem[] = [];
    if (!draft.text.trim()) missing.push({ field: 'body', message: t('messages.reply.missing') });
    if (files.busy) missing.push({ field: 'attachmentIds', message: t('messages.files.wait') });
    setProblems(missing);
    if (missing.length > 0) return;
    setBusy(true);
    try {
      await draft.settle();
      await sendReply(threadId, draft.text, files.ids);
      draft.sent();
      files.clear();
      setSent(true);
      onSent();
      await changed();
    } catch (error) {
      setProblems(problemsFromError(error, FIELDS, wording(t, lang)));
    } finally {
      setBusy(false);
    }
  };

  const errorFor = (field: string) => problems.find((p) => p.field === field)?.message;
  return (
    <>
      <ErrorSummary problems={problems} idFor={idFor} />
      {sent && <Notice kind="success">{t('messages.thread.sent')}</Notice>}
      <form className="form" noValidate onSubmit={submit}>
        <MessageBox
          id={idFor('body')}
          label={t('messages.reply.label')}
          value={draft.text}
          onValue={draft.edit}
          error={errorFor('body')}
        />
        <DraftStatus state={draft.state} />
        <AttachmentsField id={idFor('attachmentIds')} files={files} />
        <div className="button-row">
          <button type="submit" className="button" aria-disabled={busy}>
            {t('messages.reply.send')}
          </button>
        </div>
      </form>
    </>
  );
}
