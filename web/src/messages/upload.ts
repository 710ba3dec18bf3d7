// Uploads one file as raw bytes to POST /api/messages/attachments, the file
// name in X-File-Name. api.ts sends JSON only, so this call does the same
// plumbing itself: the CSRF token from the session, and the error shape.
import { ApiError } from '../api.ts';
import type { AttachmentView } from './types.ts';

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

export async function uploadAttachment(
  file: File,
  csrfToken: string,
  signal?: AbortSignal,
): Promise<AttachmentView> {
  const response = await fetch('/api/messages/attachments', {
    method: 'POST',
    credentials: 'same-origin',
    signal,
    headers: {
      accept: 'application/json',
      'content-type': 'application/octet-stream',
      'x-file-name': encodeURIComponent(file.name),
      'x-csrf-token': csrfToken,
    },
    body: file,
  });
  if (response.ok) return (await response.json()) as AttachmentView;
  const body = (await response.json().catch(() => undefined)) as ErrorBody | undefined;
  throw new ApiError(
    body?.error?.message ?? `Request failed with status ${response.status}`,
    response.status,
    body?.error?.code ?? 'http_error',
    body?.error?.details,
  );
}
