import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dateTime } from '../i18n/format.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';

interface Mail {
  id: string;
  to: string;
  subject: string;
  body: string | null;
  /** File names, e.g. the calendar file of an appointment mail. */
  attachments: string[];
  createdAt: string;
}

// Without SMTP, the portal keeps its mail here for a system administrator.
// Bodies are shown as plain text: links in them are not clickable, so
// nobody follows a reset link meant for someone else by accident.
export function MailboxPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('mailbox.title'));
  const lang = i18n.resolvedLanguage ?? 'en';
  const mail = useQuery({
    queryKey: ['dev-mailbox'],
    queryFn: getJson<{ messages: Mail[] }>('/api/dev/mailbox'),
  });
  return (
    <>
      <h1>{t('mailbox.title')}</h1>
      <p>{t('mailbox.intro')}</p>
      <button
        type="button"
        className="button button--secondary"
        onClick={() => void mail.refetch()}
      >
        {t('mailbox.refresh')}
      </button>
      {mail.isPending && <Loading />}
      {mail.isError && <LoadFailed error={mail.error} retry={() => void mail.refetch()} />}
      {mail.data && mail.data.messages.length === 0 && <p>{t('mailbox.empty')}</p>}
      {mail.data && mail.data.messages.length > 0 && (
        <ol className="mail-list">
          {mail.data.messages.map((m) => (
            <li key={m.id} className="card mail">
              <h2 className="mail__subject">{m.subject}</h2>
              <dl className="facts">
                <div>
                  <dt>{t('mailbox.to')}</dt>
                  <dd>{m.to}</dd>
                </div>
                <div>
                  <dt>{t('mailbox.date')}</dt>
                  <dd>{dateTime(lang, m.createdAt)}</dd>
                </div>
                {m.attachments.length > 0 && (
                  <div>
                    <dt>{t('mailbox.attachments')}</dt>
                    <dd>{m.attachments.join(', ')}</dd>
                  </div>
                )}
              </dl>
              {m.body === null ? (
                <p className="status">{t('mailbox.sent')}</p>
              ) : (
                <pre className="mail__body">{m.body}</pre>
              )}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
