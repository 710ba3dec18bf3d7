// Uploads one file for a patient's conversation as raw bytes to
// POST /api/staff/messages/attachments?patientId=, the name in X-File-Name.
// api.ts sends JSON only, so this call does the plumbing itself: the CSRF
// token from the session, and the error shape.
import { ApiError } from '../api.ts';
import type { AttachmentView } from './types.ts';

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

export async function uploadForPatient(
  patientId: string,
  file: File,
  csrfToken: string,
): Promise<AttachmentView> {
  const response = await fetch(
    `/api/staff/messages/attachments?patientId=${encodeURIComponent(patientId)}`,
    {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        'content-type': 'application/octet-stream',
        'x-file-name': encodeURIComponent(file.name),
        'x-csrf-token': csrfToken,
      },
      body: file,
    },
  );
  if (response.ok) return (await response.json()) as AttachmentView;
  const body = (await response.json().catch(() => undefined)) as ErrorBody | undefined;
  throw new ApiError(
    body?.error?.message ?? `Request failed with status ${response.status}`,
    response.status,
    body?.error?.code ?? 'http_error',
    body?.error?.details,
  );
}

/** Where staff download an attachment (the link opens the browser's download). */
export const downloadPath = (id: string) =>
  `/api/staff/messages/attachments/${encodeURIComponent(id)}`;
