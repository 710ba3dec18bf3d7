// A file for a message: uploaded as raw bytes as soon as it is chosen (the
// name in X-File-Name), and taken back when removed before sending. Patients
// use the patient routes; staff pass the staff base and the patient's id.
import { api } from '../api.ts';
import type { AttachmentView } from './types.ts';

export const PATIENT_FILES = '/api/messages/attachments';
export const STAFF_FILES = '/api/staff/messages/attachments';

export function uploadAttachment(
  file: File,
  options: { base?: string; patientId?: string; signal?: AbortSignal } = {},
): Promise<AttachmentView> {
  const query = options.patientId ? `?patientId=${encodeURIComponent(options.patientId)}` : '';
  return api<AttachmentView>(`${options.base ?? PATIENT_FILES}${query}`, {
    method: 'POST',
    raw: file,
    headers: { 'x-file-name': encodeURIComponent(file.name) },
    signal: options.signal,
  });
}

/** Deletes an upload not sent yet, so it does not wait on the server for the clean-up. */
export function discardAttachment(id: string, base = PATIENT_FILES): Promise<void> {
  return api<void>(`${base}/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
