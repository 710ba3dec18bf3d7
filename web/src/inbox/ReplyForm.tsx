import { type FormEvent, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { Notice } from '../forms/Notice.tsx';
import type { Problem } from '../forms/problems.ts';
import { SelectField } from '../forms/SelectField.tsx';
import { TextAreaField } from '../refills/TextAreaField.tsx';
import { Attachments } from './Attachments.tsx';
import { inboxErrorMessage } from './errors.ts';
import { withTemplate } from './inbox.ts';
import { filledTemplate, postMessage, useInboxChanged, useTemplates } from './queries.ts';
import type { AttachmentView, ThreadView } from './types.ts';

const FIELD = 'thread-reply';

// The reply to the patient. "Insert template" asks the server for the chosen
// template filled for this patient, clinic and you, and adds it to the box,
// where it can be changed before sending.
export function ReplyForm({ thread }: { thread: ThreadView }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const headingId = useId();
  const changed = useInboxChanged();
  const templates = useTemplates(thread.clinicId);
  const [templateId, setTemplateId] = useState('');
  const [text, setText] = useState('');
  const [files, setFiles] = useState<AttachmentView[]>([]);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [templateProblem, setTemplateProblem] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const list = templates.data ?? [];
  const chosen = templateId || list[0]?.id || '';

  const insert = async () => {
    setTemplateProblem(null);
    try {
      const { body } = await filledTemplate(thread.id, chosen);
      setText((current) => withTemplate(current, body));
      // Back to the text, to read and change it before sending.
      form.current?.querySelector<HTMLTextAreaElement>(`#${FIELD}`)?.focus();
    } catch (error) {
      setTemplateProblem(inboxErrorMessage(t, lang, error));
    }
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setSent(false);
    if (!text.trim()) return setProblems([{ field: FIELD, message: t('inbox.reply.missing') }]);
    setBusy(true);
    try {
      await postMessage(thread.id, {
        body: text.trim(),
        internal: false,
        attachmentIds: files.map((f) => f.id),
      });
      setText('');
      setFiles([]);
      setProblems([]);
      setSent(true);
      await changed();
    } catch (error) {
      setProblems([{ message: inboxErrorMessage(t, lang, error) }]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{t('inbox.reply.title')}</h2>
      {list.length > 0 && (
        <div className="form form--inline">
          <SelectField
            id="thread-template"
            label={t('inbox.reply.template')}
            value={chosen}
            onValue={setTemplateId}
            options={list.map((tpl) => ({ value: tpl.id, label: tpl.name }))}
          />
          <button type="button" className="button button--secondary" onClick={() => void insert()}>
            {t('inbox.reply.insert')}
          </button>
        </div>
      )}
      {templateProblem && <Notice kind="error">{templateProblem}</Notice>}
      <form ref={form} className="form" noValidate onSubmit={submit}>
        <ErrorSummary problems={problems} idFor={(field) => field} />
        {sent && <Notice kind="success">{t('inbox.reply.sent')}</Notice>}
        <TextAreaField
          id={FIELD}
          label={t('inbox.reply.label')}
          hint={t('inbox.reply.hint')}
          maxLength={10_000}
          value={text}
          onValue={setText}
          error={problems.find((p) => p.field === FIELD)?.message}
        />
        <Attachments patientId={thread.patientId} files={files} onFiles={setFiles} />
        <div className="button-row">
          <button type="submit" className="button" aria-disabled={busy}>
            {t('inbox.reply.send')}
          </button>
        </div>
      </form>
    </section>
  );
}
