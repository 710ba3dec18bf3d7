import { useTranslation } from 'react-i18next';
import { errorMessage } from '../forms/messages.ts';
import { ACCEPT, fileSize, MAX_FILES } from './files.ts';
import type { Attachments, Upload } from './useAttachments.ts';

/**
 * The file input and the files attached so far, each with its size and a
 * remove button. Refusals (too big, wrong type) show next to the field and
 * are tied to the input, so a screen reader hears them there too.
 */
export function AttachmentsField({ id, files }: { id: string; files: Attachments }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const refusalText = (u: Extract<Upload, { state: 'refused' }>) => {
    if (u.refusal === 'tooBig') return t('messages.files.tooBig', { name: u.name });
    if (u.refusal === 'wrongType') return t('messages.files.wrongType', { name: u.name });
    return t('messages.files.failed', { name: u.name, reason: errorMessage(t, lang, u.error) });
  };
  const refused = files.uploads.filter((u) => u.state === 'refused');
  const errors = [
    ...(files.tooMany ? [t('messages.files.tooMany')] : []),
    ...refused.map(refusalText),
  ];
  const full = files.uploads.filter((u) => u.state !== 'refused').length >= MAX_FILES;
  const hintId = `${id}-hint`;
  const errorId = errors.length ? `${id}-error` : undefined;
  return (
    <div className={errors.length ? 'field field--error' : 'field'}>
      <label htmlFor={id}>{t('messages.files.label')}</label>
      <div id={hintId} className="field__hint">
        {t('messages.files.hint')}
      </div>
      {errors.length > 0 && (
        <div id={errorId} className="field__error" role="alert">
          <ul className="message-files__errors">
            {errors.map((text) => (
              <li key={text}>{text}</li>
            ))}
          </ul>
        </div>
      )}
      <input
        id={id}
        type="file"
        accept={ACCEPT}
        multiple
        disabled={full}
        aria-invalid={errors.length ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(' ')}
        onChange={(event) => {
          files.add(Array.from(event.target.files ?? []));
          // The same file can be chosen again after removing it.
          event.target.value = '';
        }}
      />
      {files.uploads.length > 0 && (
        <ul className="message-files" aria-label={t('messages.files.attached')}>
          {files.uploads.map((u) => (
            <li key={u.key} className="message-files__item">
              <span role={u.state === 'uploading' ? 'status' : undefined}>
                {u.state === 'uploading' && t('messages.files.uploading', { name: u.name })}
                {u.state === 'done' && `${u.name} (${fileSize(lang, u.view.sizeBytes)})`}
                {u.state === 'refused' && u.name}
              </span>
              {u.state !== 'uploading' && (
                <button
                  type="button"
                  className="button button--secondary"
                  aria-label={t('messages.files.removeName', { name: u.name })}
                  onClick={() => files.remove(u.key)}
                >
                  {t('messages.files.remove')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
