import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { dateTime } from '../i18n/format.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './messages.css';
import { useThreads } from './queries.ts';
import type { ThreadSummary } from './types.ts';
import { inLanguage, newestFirst } from './words.ts';

/** /messages: the patient's conversations, newest activity first; unread ones say so in words. */
export function MessagesPage() {
  const { t } = useTranslation();
  usePageTitle(t('messages.title'));
  const [page, setPage] = useState(1);
  const list = useThreads(page);
  const threads = newestFirst(list.data?.threads ?? []);
  return (
    <>
      <h1>{t('messages.title')}</h1>
      <p>{t('messages.list.intro')}</p>
      <p>
        <Link to="/messages/new" className="button">
          {t('messages.list.new')}
        </Link>
      </p>
      <div aria-busy={list.isFetching}>
        {list.isPending && <Loading />}
        {list.isError && <LoadFailed error={list.error} retry={() => void list.refetch()} />}
        {list.data && threads.length === 0 && <p>{t('messages.list.none')}</p>}
        {threads.length > 0 && (
          <ul className="thread-list">
            {threads.map((thread) => (
              <ThreadItem key={thread.id} thread={thread} />
            ))}
          </ul>
        )}
        {list.data && (
          <Pager
            label={t('messages.list.pages')}
            page={page}
            pageCount={null}
            hasNext={list.data.hasMore}
            onPage={setPage}
          />
        )}
      </div>
    </>
  );
}

function ThreadItem({ thread }: { thread: ThreadSummary }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const unread = thread.unread > 0;
  return (
    <li className={unread ? 'card thread thread--unread' : 'card thread'}>
      <h2>
        <Link to={`/messages/${thread.id}`}>{thread.subject}</Link>
      </h2>
      {unread && (
        <p className="thread__unread">{t('messages.list.unread', { count: thread.unread })}</p>
      )}
      <p className="item__meta">
        {t('messages.list.withClinic', {
          clinic: thread.clinicName,
          pool: inLanguage(thread.poolName, lang),
        })}
      </p>
      <p className="item__meta">
        {t('messages.list.lastActivity', { date: dateTime(lang, thread.lastMessageAt) })}
        {thread.status === 'closed' && ` · ${t('messages.list.closed')}`}
      </p>
    </li>
  );
}
