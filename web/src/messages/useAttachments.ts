import { useCallback, useRef, useState } from 'react';
import { type FileRefusal, refuseBeforeUpload, roomFor, uploadRefusal } from './files.ts';
import type { AttachmentView } from './types.ts';
import { discardAttachment, uploadAttachment } from './upload.ts';

export type Upload =
  | { key: number; name: string; state: 'uploading' }
  | { key: number; name: string; state: 'done'; view: AttachmentView }
  | { key: number; name: string; state: 'refused'; refusal: FileRefusal; error?: unknown };

/** The list with one upload's new state. */
const replaced = (upload: Upload) => (all: Upload[]) =>
  all.map((u) => (u.key === upload.key ? upload : u));

/**
 * Files attached to the message being written: each is uploaded as soon as it
 * is chosen; the message then names the uploads' ids. At most MAX_FILES;
 * refused ones stay in the list with the reason until removed or retried.
 * Removing an uploaded file deletes it on the server too.
 */
export function useAttachments() {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [tooMany, setTooMany] = useState(false);
  const next = useRef(0);

  const add = useCallback(
    (files: File[]) => {
      const kept = uploads.filter((u) => u.state !== 'refused');
      const room = roomFor(kept.length, files.length);
      setTooMany(room < files.length);
      const chosen = files.slice(0, room).map((file) => ({ file, key: next.current++ }));
      setUploads([
        ...kept,
        ...chosen.map(({ file, key }) => ({ key, name: file.name, state: 'uploading' as const })),
      ]);
      for (const { file, key } of chosen) {
        const early = refuseBeforeUpload(file);
        if (early) {
          setUploads(replaced({ key, name: file.name, state: 'refused', refusal: early }));
          continue;
        }
        uploadAttachment(file).then(
          (view) => setUploads(replaced({ key, name: file.name, state: 'done', view })),
          (error: unknown) =>
            setUploads(
              replaced({
                key,
                name: file.name,
                state: 'refused',
                refusal: uploadRefusal(error),
                error,
              }),
            ),
        );
      }
    },
    [uploads],
  );

  const remove = useCallback(
    (key: number) => {
      setTooMany(false);
      const gone = uploads.find((u) => u.key === key);
      // Best effort: a file left behind is cleared by the server within a day.
      if (gone?.state === 'done') discardAttachment(gone.view.id).catch(() => undefined);
      setUploads((all) => all.filter((u) => u.key !== key));
    },
    [uploads],
  );
  const clear = useCallback(() => {
    setTooMany(false);
    setUploads([]);
  }, []);

  const ids = uploads.flatMap((u) => (u.state === 'done' ? [u.view.id] : []));
  const busy = uploads.some((u) => u.state === 'uploading');
  return { uploads, tooMany, add, remove, clear, ids, busy };
}

export type Attachments = ReturnType<typeof useAttachments>;
