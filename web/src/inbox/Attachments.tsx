import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { langOf } from '../frontdesk/frontDesk.ts';
import { ACCEPT, fileSize, MAX_FILES, refuseBeforeUpload, roomFor } from '../messages/files.ts';
import type { AttachmentView } from './types.ts';
import {
  discardUpload,
  type Refused,
  refusalText,
  refusedUpload,
  uploadForPatient,
} from './upload.ts';

/**
 * Files for a staff reply: each is uploaded for the patient as soon as it is
 * chosen (the server checks its type by content and strips metadata), listed
 * with its size and a remove button; refusals are said next to the field.
 */
export function Attachments({
  patientId,
  files,
  onFiles,
}: {
  patientId: string;
  files: AttachmentView[];
  onFiles: (next: (current: AttachmentView[]) => AttachmentView[]) => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = langOf(i18n.resolvedLanguage);
  const id = useId();
  const [refusals, setRefusals] = useState<Refused[]>([]);
  const [busy, setBusy] = useState(false);

  const choose = async (chosen: File[]) => {
    const room = roomFor(files.length, chosen.length);
    const refused: Refused[] = [];
    setBusy(true);
    for (const [index, file] of chosen.entries()) {
      if (index >= room) {
        refused.push({ name: file.name, why: 'tooMany' });
        continue;
      }
      const before = refuseBeforeUpload(file);
      if (before) {
        refused.push({ name: file.name, why: before });
        continue;
      }
      try {
        const view = await uploadForPatient(patientId, file);
        onFiles((current) => [...current, view]);
      } catch (error) {
        refused.push(refusedUpload(file.name, error));
      }
    }
    setBusy(false);
    setRefusals(refused);
  };

  const errorId = refusals.length > 0 ? `${id}-error` : undefined;
  return (
    <div className={refusals.length > 0 ? 'field field--error' : 'field'}>
      <label htmlFor={id}>{t('inbox.files.label')}</label>
      <div id={`${id}-hint`} className="field__hint">
        {t('inbox.files.hint', { count: MAX_FILES })}
      </div>
      {refusals.length > 0 && (
        <ul id={errorId} className="field__error">
          {refusals.map((r) => (
            <li key={r.name}>{refusalText(t, r)}</li>
          ))}
        </ul>
      )}
      <input
        id={id}
        type="file"
        multiple
        accept={ACCEPT}
        disabled={files.length >= MAX_FILES}
        aria-describedby={[`${id}-hint`, errorId].filter(Boolean).join(' ')}
        aria-invalid={refusals.length > 0 ? true : undefined}
        onChange={(event) => {
          const chosen = [...(event.target.files ?? [])];
          event.target.value = '';
          void choose(chosen);
        }}
      />
      <p role="status" className="status">
        {busy ? t('inbox.files.uploading') : ''}
      </p>
      {files.length > 0 && (
        <ul className="plain-list">
          {files.map((f) => (
            <li key={f.id}>
              {f.fileName} <span className="cell-note">{fileSize(lang, f.sizeBytes)}</span>{' '}
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  // Best effort: a file left behind is cleared by the server within a day.
                  discardUpload(f.id).catch(() => undefined);
                  onFiles((current) => current.filter((c) => c.id !== f.id));
                }}
              >
                {t('inbox.files.remove')}
                <span className="visually-hidden"> {f.fileName}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
