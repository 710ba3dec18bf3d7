import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { clinicDateTime, langOf } from '../frontdesk/frontDesk.ts';
import { TableWrap } from '../shell/TableWrap.tsx';
import { rowFlags } from './inbox.ts';
import { StatusLabel } from './StatusLabel.tsx';
import type { ThreadSummary } from './types.ts';

/** The conversations as the server ordered them (oldest waiting first), each flag in words. */
export function ThreadTable({
  threads,
  timeZone,
  caption,
  busy,
}: {
  threads: ThreadSummary[];
  timeZone: string;
  caption: string;
  busy: boolean;
}) {
  const { t, i18n } = useTranslation();
  const lang = langOf(i18n.resolvedLanguage);
  return (
    <TableWrap label={caption} busy={busy}>
      <table className="table table--compact">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('inbox.columns.patient')}</th>
            <th scope="col">{t('inbox.columns.subject')}</th>
            <th scope="col">{t('inbox.columns.topic')}</th>
            <th scope="col">{t('inbox.columns.status')}</th>
            <th scope="col">{t('inbox.columns.assignee')}</th>
            <th scope="col">{t('inbox.columns.due')}</th>
            <th scope="col">{t('inbox.columns.flags')}</th>
          </tr>
        </thead>
        <tbody>
          {threads.map((thread) => (
            <tr key={thread.id}>
              <th scope="row">{thread.patientName ?? t('inbox.unknownPatient')}</th>
              <td>
                {/* The subject is the patient's text: shown as text, opening the thread. */}
                <Link to={`/staff/messages/${thread.id}`}>{thread.subject}</Link>
              </td>
              <td>{thread.poolName[lang]}</td>
              <td>
                <StatusLabel status={thread.status} />
              </td>
              <td>{thread.assignedTo?.name ?? t('inbox.nobody')}</td>
              <td>
                {thread.replyDueAt
                  ? clinicDateTime(lang, thread.replyDueAt, timeZone)
                  : t('inbox.noDue')}
              </td>
              <td>
                <ul className="inbox-flags">
                  {rowFlags(thread).map((flag) => (
                    <li key={flag}>
                      <span className={`badge badge--${flag === 'overdue' ? 'locked' : 'none'}`}>
                        {t(`inbox.flags.${flag}`, { count: thread.unread })}
                      </span>
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
