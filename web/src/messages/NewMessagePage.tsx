import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import '../appointments/appointments.css';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { wording } from '../forms/messages.ts';
import { missingFields, type Problem, problemsFromError } from '../forms/problems.ts';
import { TextField } from '../forms/TextField.tsx';
import '../refills/refills.css';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { AttachmentsField } from './AttachmentsField.tsx';
import { DraftStatus } from './DraftStatus.tsx';
import './messages.css';
import { MessageBox } from './MessageBox.tsx';
import { startThread, useMessageClinics, useMessagesChanged } from './queries.ts';
import { ResponseTime } from './ResponseTime.tsx';
import type { DraftContent, MessageClinic, Topic } from './types.ts';
import { useAttachments } from './useAttachments.ts';
import { useDraftText } from './useDraftText.ts';
import { draftChoice } from './words.ts';

const FIELDS = ['clinicId', 'topic', 'subject', 'body', 'attachmentIds'] as const;
const idFor = (field: string) => `message-${field}`;

/** /messages/new: which clinic (when several), what about, the message and its files. */
export function NewMessagePage() {
  const { t } = useTranslation();
  usePageTitle(t('messages.new.title'));
  const clinics = useMessageClinics();
  const list = clinics.data?.clinics ?? [];
  return (
    <>
      <h1>{t('messages.new.title')}</h1>
      {clinics.isPending && <Loading />}
      {clinics.isError && <LoadFailed error={clinics.error} retry={() => void clinics.refetch()} />}
      {clinics.data && list.length === 0 && <p>{t('messages.new.noClinics')}</p>}
      {list.length > 0 && <NewMessageForm clinics={list} />}
      <p>
        <Link to="/messages">{t('messages.new.cancel')}</Link>
      </p>
    </>
  );
}

function NewMessageForm({ clinics }: { clinics: MessageClinic[] }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const navigate = useNavigate();
  const changed = useMessagesChanged();
  const draft = useDraftText(null);
  const files = useAttachments();
  const only = clinics.length === 1 ? clinics[0] : undefined;
  // The choices live in the draft, so they come back with its text.
  const { clinicId, topic } = draftChoice(draft.content, clinics);
  const subject = draft.content.subject ?? '';
  /** Keeps a change with the choices as shown (one no longer offered is not kept). */
  const keep = (changes: Partial<DraftContent>) =>
    draft.change({ clinicId: clinicId || null, topic: topic || null, subject, ...changes });
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const clinic = clinics.find((c) => c.clinicId === clinicId);
  const chosen = clinic?.topics.find((o) => o.topic === topic);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const missing = missingFields(
      { clinicId, topic, subject, body: draft.text },
      {
        clinicId: t('messages.new.missingClinic'),
        topic: t('messages.new.missingTopic'),
        subject: t('messages.new.missingSubject'),
        body: t('messages.new.missingBody'),
      },
    );
    if (files.busy) missing.push({ field: 'attachmentIds', message: t('messages.files.wait') });
    setProblems(missing);
    if (missing.length > 0 || !topic) return;
    setBusy(true);
    try {
      await draft.settle();
      const thread = await startThread({
        clinicId,
        topic,
        subject: subject.trim(),
        body: draft.text,
        attachmentIds: files.ids,
      });
      draft.sent();
      await changed();
      navigate(`/messages/${thread.id}`, { state: { sent: true } });
    } catch (error) {
      setProblems(problemsFromError(error, FIELDS, wording(t, lang)));
      setBusy(false);
    }
  };

  const errorFor = (field: string) => problems.find((p) => p.field === field)?.message;
  return (
    <>
      <ErrorSummary problems={problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        {!only && (
          <Choices
            field="clinicId"
            legend={t('messages.new.clinic')}
            error={errorFor('clinicId')}
            value={clinicId}
            options={clinics.map((c) => ({ value: c.clinicId, label: c.clinicName }))}
            onChange={(id) => keep({ clinicId: id, topic: null })}
          />
        )}
        {clinic && (
          <Choices
            field="topic"
            legend={t('messages.new.topic')}
            hint={t('messages.new.topicHint')}
            error={errorFor('topic')}
            value={topic}
            options={clinic.topics.map((o) => ({
              value: o.topic,
              label: lang.startsWith('es') ? o.name.es : o.name.en,
            }))}
            onChange={(value) => keep({ topic: value as Topic })}
          />
        )}
        {clinic && <ResponseTime days={chosen?.targetBusinessDays} phone={clinic.clinicPhone} />}
        <TextField
          id={idFor('subject')}
          label={t('messages.new.subject')}
          maxLength={200}
          value={subject}
          onValue={(value) => keep({ subject: value })}
          error={errorFor('subject')}
        />
        <MessageBox
          id={idFor('body')}
          label={t('messages.new.body')}
          hint={t('messages.new.bodyHint')}
          value={draft.text}
          onValue={(body) => keep({ body })}
          error={errorFor('body')}
        />
        <DraftStatus state={draft.state} />
        <AttachmentsField id={idFor('attachmentIds')} files={files} />
        <div className="button-row">
          <button type="submit" className="button" aria-disabled={busy}>
            {t('messages.new.send')}
          </button>
        </div>
      </form>
    </>
  );
}

/** Radio buttons in a fieldset that the error summary can focus. */
function Choices(p: {
  field: string;
  legend: string;
  hint?: string;
  error?: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (value: string) => void;
}) {
  const id = idFor(p.field);
  const describedBy = [p.hint && `${id}-hint`, p.error && `${id}-error`].filter(Boolean).join(' ');
  return (
    <fieldset
      id={id}
      tabIndex={-1}
      className={p.error ? 'choices field--error' : 'choices'}
      aria-describedby={describedBy || undefined}
    >
      <legend>{p.legend}</legend>
      {p.hint && (
        <p id={`${id}-hint`} className="field__hint">
          {p.hint}
        </p>
      )}
      {p.error && (
        <p id={`${id}-error`} className="field__error">
          {p.error}
        </p>
      )}
      {p.options.map((o) => (
        <div key={o.value} className="choice">
          <input
            id={`${id}-${o.value}`}
            type="radio"
            name={p.field}
            value={o.value}
            checked={p.value === o.value}
            onChange={() => p.onChange(o.value)}
          />
          <label htmlFor={`${id}-${o.value}`}>{o.label}</label>
        </div>
      ))}
    </fieldset>
  );
}
