import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import type { Problem } from '../forms/problems.ts';
import { SelectField } from '../forms/SelectField.tsx';
import { TextField } from '../forms/TextField.tsx';
import { langOf } from '../frontdesk/frontDesk.ts';
import { getJson } from '../query.ts';
import '../refills/refills.css';
import { TextAreaField } from '../refills/TextAreaField.tsx';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { listName, type PatientRecord } from '../staff/patients.ts';
import './inbox.css';
import { useInboxClinics } from './clinics.ts';
import { inboxErrorMessage } from './errors.ts';
import { TOPICS } from './inbox.ts';
import {
  BODY_MAX,
  type NewThreadField,
  type NewThreadForm,
  newThreadProblems,
  SUBJECT_MAX,
  sharedClinics,
} from './newThread.ts';
import { startThread, useInboxChanged, usePools } from './queries.ts';

const ids: Record<NewThreadField, string> = {
  clinicId: 'new-thread-clinic',
  topic: 'new-thread-topic',
  subject: 'new-thread-subject',
  body: 'new-thread-body',
};

// /staff/messages/new?patientId=: staff write first, to a patient registered
// at one of their clinics (reached from the patient's page). The patient gets
// the usual "You have a new message" mail, with no content.
export function NewThreadPage() {
  const { t, i18n } = useTranslation();
  const lang = langOf(i18n.resolvedLanguage);
  usePageTitle(t('inbox.new.title'));
  const navigate = useNavigate();
  const changed = useInboxChanged();
  const patientId = useSearchParams()[0].get('patientId') ?? '';
  const record = useQuery({
    queryKey: ['staff-patient', patientId],
    queryFn: getJson<PatientRecord>(`/api/staff/patients/${encodeURIComponent(patientId)}`),
    enabled: patientId !== '',
  });
  const { clinics } = useInboxClinics();
  const shared = sharedClinics(record.data?.clinics ?? [], clinics);
  const [form, setForm] = useState<NewThreadForm>({
    clinicId: '',
    topic: '',
    subject: '',
    body: '',
  });
  const clinicId = form.clinicId || shared[0]?.clinicId || '';
  const pools = usePools(clinicId);
  // The clinic's pools name the topics; without them, the topics as the portal names them.
  const topics = pools.data?.pools.length
    ? pools.data.pools.map((p) => ({ value: p.topic, label: p.name[lang] }))
    : TOPICS.map((topic) => ({ value: topic, label: t(`inbox.topics.${topic}`) }));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<NewThreadForm>) => setForm((f) => ({ ...f, ...patch }));
  const fieldError = (field: NewThreadField) => problems.find((p) => p.field === field)?.message;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const topic = form.topic || topics[0]?.value || '';
    const filled: NewThreadForm = { ...form, clinicId, topic };
    const missing = newThreadProblems(filled);
    if (missing.length > 0 || !topic)
      return setProblems(
        missing.map((field) => ({ field, message: t(`inbox.new.missing.${field}`) })),
      );
    setBusy(true);
    try {
      const thread = await startThread({
        clinicId: filled.clinicId,
        patientId,
        topic,
        subject: filled.subject.trim(),
        body: filled.body.trim(),
      });
      await changed();
      navigate(`/staff/messages/${thread.id}`);
    } catch (error) {
      setProblems([{ message: inboxErrorMessage(t, lang, error) }]);
      setBusy(false);
    }
  };

  const data = record.data;
  return (
    <div className="inbox">
      <h1>{t('inbox.new.title')}</h1>
      {!patientId && (
        <p>
          {t('inbox.new.pickPatient')} <Link to="/staff/patients">{t('inbox.newHintLink')}</Link>
        </p>
      )}
      {record.isPending && patientId && <Loading />}
      {record.isError && <LoadFailed error={record.error} retry={() => void record.refetch()} />}
      {data && shared.length === 0 && <p>{t('inbox.new.noSharedClinic')}</p>}
      {data && shared.length > 0 && (
        <form className="form" noValidate onSubmit={submit}>
          <ErrorSummary problems={problems} idFor={(field) => ids[field as NewThreadField]} />
          <p>
            {t('inbox.new.to')}{' '}
            <Link to={`/staff/patients/${data.patient.id}`}>{listName(data.patient.name)}</Link>
          </p>
          {shared.length > 1 && (
            <SelectField
              id={ids.clinicId}
              label={t('inbox.new.clinic')}
              value={clinicId}
              onValue={(id) => set({ clinicId: id, topic: '' })}
              options={shared.map((c) => ({ value: c.clinicId, label: c.clinicName }))}
              error={fieldError('clinicId')}
            />
          )}
          <SelectField
            id={ids.topic}
            label={t('inbox.new.topic')}
            value={form.topic || topics[0]?.value || ''}
            onValue={(topic) => set({ topic: topic as NewThreadForm['topic'] })}
            options={topics}
            error={fieldError('topic')}
          />
          <TextField
            id={ids.subject}
            label={t('inbox.new.subject')}
            value={form.subject}
            maxLength={SUBJECT_MAX}
            onValue={(subject) => set({ subject })}
            error={fieldError('subject')}
          />
          <TextAreaField
            id={ids.body}
            label={t('inbox.new.body')}
            hint={t('inbox.new.bodyHint')}
            value={form.body}
            maxLength={BODY_MAX}
            onValue={(body) => set({ body })}
            error={fieldError('body')}
          />
          <div className="button-row">
            <button type="submit" className="button" aria-disabled={busy}>
              {t('inbox.new.send')}
            </button>
            <Link to={`/staff/patients/${data.patient.id}`}>{t('inbox.new.cancel')}</Link>
          </div>
        </form>
      )}
    </div>
  );
}
