import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { clinicDateTime, langOf } from '../frontdesk/frontDesk.ts';
import '../refills/refills.css';
import { TextForm } from '../refills/TextForm.tsx';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './inbox.css';
import { useInboxClinics } from './clinics.ts';
import { worded } from './errors.ts';
import { MessageList } from './MessageList.tsx';
import { postMessage, useInboxChanged, usePools, useThread } from './queries.ts';
import { ReplyForm } from './ReplyForm.tsx';
import { StatusLabel } from './StatusLabel.tsx';
import { ThreadActions } from './ThreadActions.tsx';
import type { ThreadView } from './types.ts';

// /staff/messages/:id: the whole conversation with the staff's internal notes
// marked as such, what the thread's state is, the actions, the reply to the
// patient and, apart from it, an internal note. The title stays generic:
// browser history and tab lists are not for PHI.
export function ThreadPage() {
  const { t, i18n } = useTranslation();
  const lang = langOf(i18n.resolvedLanguage);
  usePageTitle(t('inbox.thread.title'));
  const { id = '' } = useParams();
  const query = useThread(id);
  const thread = query.data;
  const pools = usePools(thread?.clinicId ?? '');
  const { clinics } = useInboxClinics();
  const timeZone = clinics.find((c) => c.id === thread?.clinicId)?.timeZone ?? 'UTC';
  const changed = useInboxChanged();
  const noteId = useId();
  const back = (
    <p>
      <Link to={`/staff/messages${thread ? `?clinic=${thread.clinicId}` : ''}`}>
        {t('inbox.thread.back')}
      </Link>
    </p>
  );
  if (query.isPending) return <Loading />;
  if (query.isError || !thread)
    return (
      <>
        <h1>{t('inbox.thread.title')}</h1>
        <LoadFailed error={worded(t, lang, query.error)} retry={() => void query.refetch()} />
        {back}
      </>
    );
  return (
    <div className="inbox thread">
      {back}
      <h1>{thread.subject}</h1>
      <ThreadFacts thread={thread} timeZone={timeZone} />
      <section aria-labelledby="thread-messages">
        <h2 id="thread-messages">{t('inbox.thread.conversation')}</h2>
        <MessageList messages={thread.messages} timeZone={timeZone} />
      </section>
      <ThreadActions thread={thread} pools={pools.data} />
      <ReplyForm thread={thread} />
      <section aria-labelledby={noteId} className="note-box">
        <h2 id={noteId}>{t('inbox.note.title')}</h2>
        <TextForm
          name="thread-note"
          label={t('inbox.note.label')}
          hint={t('inbox.note.hint')}
          button={t('inbox.note.save')}
          missing={t('inbox.note.missing')}
          done={t('inbox.note.saved')}
          send={async (body) => {
            await postMessage(thread.id, { body, internal: true, attachmentIds: [] });
            await changed();
          }}
        />
      </section>
      {back}
    </div>
  );
}

function ThreadFacts({ thread, timeZone }: { thread: ThreadView; timeZone: string }) {
  const { t, i18n } = useTranslation();
  const lang = langOf(i18n.resolvedLanguage);
  return (
    <dl className="facts">
      <div>
        <dt>{t('inbox.columns.patient')}</dt>
        <dd>
          <Link to={`/staff/patients/${thread.patientId}`}>
            {thread.patientName ?? t('inbox.unknownPatient')}
          </Link>
        </dd>
      </div>
      <div>
        <dt>{t('inbox.thread.clinic')}</dt>
        <dd>{thread.clinicName}</dd>
      </div>
      <div>
        <dt>{t('inbox.columns.topic')}</dt>
        <dd>{thread.poolName[lang]}</dd>
      </div>
      <div>
        <dt>{t('inbox.columns.status')}</dt>
        <dd>
          <StatusLabel status={thread.status} />
        </dd>
      </div>
      <div>
        <dt>{t('inbox.columns.assignee')}</dt>
        <dd>{thread.assignedTo?.name ?? t('inbox.nobody')}</dd>
      </div>
      <div>
        <dt>{t('inbox.columns.due')}</dt>
        <dd>
          {thread.replyDueAt ? clinicDateTime(lang, thread.replyDueAt, timeZone) : t('inbox.noDue')}{' '}
          {thread.overdue && (
            <span className="badge badge--locked">{t('inbox.flags.overdue')}</span>
          )}
          <span className="cell-note">
            {t('inbox.thread.target', { count: thread.targetBusinessDays })}
          </span>
        </dd>
      </div>
    </dl>
  );
}
