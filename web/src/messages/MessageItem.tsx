import { useTranslation } from 'react-i18next';
import { dateTime } from '../i18n/format.ts';
import { fileSize } from './files.ts';
import type { MessageView } from './types.ts';

const downloadPath = (id: string) => `/api/messages/attachments/${encodeURIComponent(id)}`;

/**
 * One message: who, when, the text as text (line breaks kept by CSS, never
 * as HTML), its files as download links, and on the patient's own messages
 * whether the care team has read it.
 */
export function MessageItem({ message }: { message: MessageView }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const own = !message.fromStaff;
  return (
    <li className={own ? 'message message--own' : 'message'}>
      <h3 className="message__who">
        {t('messages.thread.from', { name: message.authorName })}
        {!own && <span className="message__side"> ({t('messages.thread.careTeam')})</span>}
      </h3>
      <p className="item__meta">
        <time dateTime={message.createdAt}>{dateTime(lang, message.createdAt)}</time>
      </p>
      <p className="message__body">{message.body}</p>
      {message.attachments.length > 0 && (
        <ul className="message__files" aria-label={t('messages.thread.attachments')}>
          {message.attachments.map((file) => (
            <li key={file.id}>
              <a href={downloadPath(file.id)} download={file.fileName}>
                {t('messages.files.download', {
                  name: file.fileName,
                  size: fileSize(lang, file.sizeBytes),
                })}
              </a>
            </li>
          ))}
        </ul>
      )}
      {own && (
        <p className="message__receipt">
          {message.readAt
            ? t('messages.thread.read', { date: dateTime(lang, message.readAt) })
            : t('messages.thread.notRead')}
        </p>
      )}
    </li>
  );
}
