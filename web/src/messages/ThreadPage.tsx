import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams } from 'react-router';
import { Notice } from '../forms/Notice.tsx';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { MessageItem } from './MessageItem.tsx';
import './messages.css';
import { messagesKey, unreadKey, useMessageClinics, useThread } from './queries.ts';
import { ReplyForm } from './ReplyForm.tsx';
import { ResponseTime } from './ResponseTime.tsx';
import { inLanguage } from './words.ts';

/** Opening the thread marked it read on the server: the counts elsewhere follow. */
function useCountsAfterReading(readAt: number) {
  const client = useQueryClient();
  useEffect(() => {
    if (!readAt) return;
    void client.invalidateQueries({ queryKey: unreadKey });
    void client.invalidateQueries({ queryKey: [...messagesKey, 'threads'] });
  }, [client, readAt]);
}

// /messages/:id, also where the e-mails link to: the messages oldest first,
// read receipts on the patient's own, and the reply box.
export function ThreadPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { id = '' } = useParams();
  const sent = Boolean((useLocation().state as { sent?: boolean } | null)?.sent);
  const query = useThread(id);
  const [replied, setReplied] = useState(false);
  const clinics = useMessageClinics();
  useCountsAfterReading(query.dataUpdatedAt);
  const thread = query.data;
  usePageTitle(thread ? thread.subject : t('messages.thread.title'));
  const back = (
    <p>
      <Link to="/messages">{t('messages.thread.back')}</Link>
    </p>
  );
  if (query.isPending) return <Loading />;
  if (query.isError || !thread)
    return (
      <>
        <h1>{t('messages.thread.title')}</h1>
        <LoadFailed error={query.error} retry={() => void query.refetch()} />
        {back}
      </>
    );
  const phone = clinics.data?.clinics.find((c) => c.clinicId === thread.clinicId)?.clinicPhone;
  return (
    <div className="conversation">
      <h1>{thread.subject}</h1>
      {sent && !replied && <Notice kind="success">{t('messages.thread.sent')}</Notice>}
      <p className="item__meta">
        {t('messages.list.withClinic', {
          clinic: thread.clinicName,
          pool: inLanguage(thread.poolName, lang),
        })}
      </p>
      <p>{t(`messages.thread.status.${thread.status}`)}</p>
      <section aria-labelledby="thread-messages">
        <h2 id="thread-messages">{t('messages.thread.messages')}</h2>
        <ol className="message-list">
          {thread.messages.map((message) => (
            <MessageItem key={message.id} message={message} />
          ))}
        </ol>
      </section>
      <section aria-labelledby="thread-reply">
        <h2 id="thread-reply">{t('messages.reply.title')}</h2>
        {thread.status === 'closed' && <p>{t('messages.thread.closedNote')}</p>}
        <ResponseTime days={thread.targetBusinessDays} phone={phone} />
        <ReplyForm key={thread.id} threadId={thread.id} onSent={() => setReplied(true)} />
      </section>
      {back}
    </div>
  );
}
