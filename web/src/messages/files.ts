// Attaching files: what the file input offers, the limits the server keeps,
// and its refusals in words. Free of React so it can be unit tested; the
// server decides by the bytes, the checks here only spare a useless upload.
import { ApiError } from '../api.ts';

/** What the file picker offers (the server checks the content, not the name). */
export const ACCEPT = '.pdf,.jpg,.jpeg,.png,.heic';
export const MAX_FILES = 5;
export const MAX_BYTES = 10 * 1024 * 1024;

export type FileRefusal = 'tooBig' | 'wrongType' | 'failed';

/** Why a file cannot even be sent: larger than the server accepts. */
export function refuseBeforeUpload(file: { size: number }): FileRefusal | null {
  return file.size > MAX_BYTES ? 'tooBig' : null;
}

/**
 * The server's refusal of an upload: 413 too big, 415 not a type it takes
 * (said in the reader's words); anything else 'failed', said with
 * `refusalReason` when the server explained it.
 */
export function uploadRefusal(error: unknown): FileRefusal {
  if (error instanceof ApiError && error.status === 413) return 'tooBig';
  if (error instanceof ApiError && error.status === 415) return 'wrongType';
  return 'failed';
}

/**
 * What the server said when it refused the file for a reason of its own
 * (any other 4xx: too many unsent files, a file it cannot read, a limit),
 * which the person can act on; null for a failure it did not explain.
 */
export function refusalReason(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.status < 400 || error.status >= 500) return null;
  if (uploadRefusal(error) !== 'failed' || !error.message) return null;
  return error.message;
}

/** How many of the chosen files still fit, given those attached already. */
export function roomFor(attached: number, chosen: number): number {
  return Math.max(0, Math.min(chosen, MAX_FILES - attached));
}

/** "850 KB", "2.4 MB" in the reader's language. */
export function fileSize(lang: string, bytes: number): string {
  const mb = bytes / (1024 * 1024);
  const format = (value: number, unit: 'kilobyte' | 'megabyte') =>
    new Intl.NumberFormat(lang, {
      style: 'unit',
      unit,
      unitDisplay: 'short',
      maximumFractionDigits: value < 10 ? 1 : 0,
    }).format(value);
  return mb >= 1 ? format(mb, 'megabyte') : format(Math.max(bytes / 1024, 0.1), 'kilobyte');
}
