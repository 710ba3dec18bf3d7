import { useTranslation } from 'react-i18next';
import { clinicDateTime, langOf } from '../frontdesk/frontDesk.ts';
import { fileSize } from '../messages/files.ts';
import type { MessageView } from './types.ts';
import { downloadPath } from './upload.ts';

// The conversation, oldest first. Every text is rendered as React text, never
// as HTML, and links in it stay plain text: a link a patient (or someone
// posing as one) wrote must not become a click into the clinic's network.
// `white-space: pre-wrap` keeps the writer's line breaks.
export function MessageList({ messages, timeZone }: { messages: MessageView[]; timeZone: string }) {
  const { t, i18n } = useTranslation();
  const lang = langOf(i18n.resolvedLanguage);
  return (
    <ol className="message-list">
      {messages.map((m) => (
        <li key={m.id}>
          <article
            className={`message${m.internal ? ' message--internal' : m.fromStaff ? ' message--staff' : ''}`}
            aria-label={t(m.internal ? 'inbox.thread.noteBy' : 'inbox.thread.messageBy', {
              name: m.authorName,
            })}
          >
            {m.internal && <p className="message__internal">{t('inbox.thread.internal')}</p>}
            <p className="message__meta">
              <strong>{m.authorName}</strong>{' '}
              <span>({t(m.fromStaff ? 'inbox.thread.careTeam' : 'inbox.thread.patientSide')})</span>
              {' · '}
              <time dateTime={m.createdAt}>{clinicDateTime(lang, m.createdAt, timeZone)}</time>
            </p>
            <p className="message__body">{m.body}</p>
            {m.attachments.length > 0 && (
              <ul className="message__files">
                {m.attachments.map((a) => (
                  <li key={a.id}>
                    <a href={downloadPath(a.id)} download={a.fileName}>
                      {a.fileName}
                    </a>{' '}
                    <span className="cell-note">{fileSize(lang, a.sizeBytes)}</span>
                  </li>
                ))}
              </ul>
            )}
            {m.fromStaff && !m.internal && (
              <p className="message__receipt">
                {m.readAt
                  ? t('inbox.thread.readAt', { time: clinicDateTime(lang, m.readAt, timeZone) })
                  : t('inbox.thread.notRead')}
              </p>
            )}
          </article>
        </li>
      ))}
    </ol>
  );
}
