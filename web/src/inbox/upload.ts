// Files for a staff message to a patient: the shared upload and removal
// (messages/upload.ts) on the staff routes, and refusals in words.
import type { TFunction } from 'i18next';
import { type FileRefusal, refusalReason, uploadRefusal } from '../messages/files.ts';
import { discardAttachment, STAFF_FILES, uploadAttachment } from '../messages/upload.ts';
import type { AttachmentView } from './types.ts';

/** A file not attached: why (one over the limit too), and the server's own reason when it gave one. */
export interface Refused {
  name: string;
  why: FileRefusal | 'tooMany';
  reason?: string | null;
}

/** The upload of `name` failed with `error`. */
export const refusedUpload = (name: string, error: unknown): Refused => ({
  name,
  why: uploadRefusal(error),
  reason: refusalReason(error),
});

/** The refusal as said next to the field: the server's reason, when it explained one. */
export function refusalText(t: TFunction, r: Refused): string {
  if (r.why === 'failed' && r.reason)
    return t('inbox.files.refused.failedBecause', { name: r.name, reason: r.reason });
  return t(`inbox.files.refused.${r.why}`, { name: r.name });
}

export const uploadForPatient = (patientId: string, file: File): Promise<AttachmentView> =>
  uploadAttachment(file, { base: STAFF_FILES, patientId });

export const discardUpload = (id: string): Promise<void> => discardAttachment(id, STAFF_FILES);

/** Where staff download an attachment (the link opens the browser's download). */
export const downloadPath = (id: string) => `${STAFF_FILES}/${encodeURIComponent(id)}`;
