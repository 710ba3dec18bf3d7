// Files for a staff message to a patient: the shared upload and removal
// (messages/upload.ts) on the staff routes.
import { discardAttachment, STAFF_FILES, uploadAttachment } from '../messages/upload.ts';
import type { AttachmentView } from './types.ts';

export const uploadForPatient = (patientId: string, file: File): Promise<AttachmentView> =>
  uploadAttachment(file, { base: STAFF_FILES, patientId });

export const discardUpload = (id: string): Promise<void> => discardAttachment(id, STAFF_FILES);

/** Where staff download an attachment (the link opens the browser's download). */
export const downloadPath = (id: string) => `${STAFF_FILES}/${encodeURIComponent(id)}`;
