// One HTTP exchange with the EHR (or its token endpoint): a time limit, no
// redirects followed, and failures turned into EhrError. Retrying is the
// caller's business (transport.ts).
import { EhrError } from './gateway.ts';

export interface Answer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: unknown;
  /** False when a non-empty body was not JSON (an HTML error page from a proxy, say). */
  json: boolean;
}

/** `what` names the request for messages and logs without PHI, e.g. "GET Patient". */
export async function fetchOnce(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  what: string,
): Promise<Answer> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    // Never follow a redirect: it could carry our credentials somewhere else.
    const res = await fetch(url, { ...init, signal, redirect: 'manual' });
    const text = await res.text();
    const parsed = parseJson(text);
    return { status: res.status, headers: res.headers, body: parsed.value, json: parsed.ok };
  } catch (err) {
    if (signal.aborted)
      throw new EhrError(`The EHR did not answer ${what} within ${timeoutMs} ms`, 0);
    throw new EhrError(`Could not reach the EHR for ${what} (${networkCode(err)})`, 0);
  }
}

function parseJson(text: string): { value: unknown; ok: boolean } {
  if (text.trim() === '') return { value: undefined, ok: true };
  try {
    return { value: JSON.parse(text), ok: true };
  } catch {
    return { value: undefined, ok: false };
  }
}

/** ECONNREFUSED, ENOTFOUND, …: names the failure without the address's details. */
function networkCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return (err as Error)?.name ?? 'network error';
}
