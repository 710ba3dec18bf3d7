// Tiny fetch helper for the portal's JSON API (and raw file uploads). Every
// error response has the shape {"error":{"code","message","details"}}; it
// becomes an ApiError.
//
// Session plumbing lives here too, so every caller gets it for free:
// - unsafe requests carry the CSRF token from GET /api/session (refreshed once
//   when the server says it is stale, e.g. after sign-out cleared the cookie);
// - background reads send `x-background: 1` so they do not keep a session alive;
// - listeners hear about requests that count as activity, and about a session
//   that the server has ended (401 session_expired / sign_in_required).

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(message: string, status: number, code: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

export interface ApiInit extends Omit<RequestInit, 'body'> {
  /** Sent as a JSON body. */
  json?: unknown;
  /** Sent as the body as it is, application/octet-stream (a file being uploaded). */
  raw?: Blob;
  /** A read the user did not ask for (a refetch): it must not count as activity. */
  background?: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** 401 codes that mean "your session is over", as opposed to a wrong password. */
export const SESSION_ENDED_CODES = new Set([
  'session_expired',
  'session_ended',
  'sign_in_required',
]);

let csrfToken: string | null = null;
let csrfLoading: Promise<string> | null = null;

/** GET /api/session hands out the token; the session query passes it on here. */
export function rememberCsrfToken(token: string | null): void {
  csrfToken = token;
}

async function loadCsrfToken(): Promise<string> {
  csrfLoading ??= fetch('/api/session', {
    credentials: 'same-origin',
    headers: { accept: 'application/json', 'x-background': '1' },
  })
    .then(async (response) => {
      const body = (await response.json().catch(() => undefined)) as
        | { csrfToken?: string }
        | undefined;
      if (!body?.csrfToken) throw new ApiError('No CSRF token', response.status, 'csrf_failed');
      csrfToken = body.csrfToken;
      return body.csrfToken;
    })
    .finally(() => {
      csrfLoading = null;
    });
  return csrfLoading;
}

type ActivityListener = (startedAt: number) => void;
type EndedListener = (code: string) => void;
const activityListeners = new Set<ActivityListener>();
const endedListeners = new Set<EndedListener>();

/** Called for every request the server counts as activity (it moves the idle deadline). */
export function onServerActivity(listener: ActivityListener): () => void {
  activityListeners.add(listener);
  return () => activityListeners.delete(listener);
}

/** Called when the server answers that the session has ended. */
export function onSessionEnded(listener: EndedListener): () => void {
  endedListeners.add(listener);
  return () => endedListeners.delete(listener);
}

async function readError(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => undefined)) as ErrorBody | undefined;
  const error = body?.error;
  return new ApiError(
    error?.message ?? `Request failed with status ${response.status}`,
    response.status,
    error?.code ?? 'http_error',
    error?.details,
  );
}

async function send(path: string, init: ApiInit, method: string): Promise<Response> {
  const { json, raw, background, headers: given, ...rest } = init;
  const headers = new Headers(given);
  headers.set('accept', 'application/json');
  if (json !== undefined) headers.set('content-type', 'application/json');
  if (raw !== undefined) headers.set('content-type', 'application/octet-stream');
  if (background) headers.set('x-background', '1');
  if (!SAFE_METHODS.has(method)) headers.set('x-csrf-token', csrfToken ?? (await loadCsrfToken()));
  return fetch(path, {
    ...rest,
    method,
    headers,
    credentials: 'same-origin',
    // A Blob can be sent again as it is, so the retry on a stale token works for files too.
    body: raw ?? (json === undefined ? undefined : JSON.stringify(json)),
  });
}

export async function api<T>(path: string, init: ApiInit = {}): Promise<T> {
  const method = (init.method ?? 'GET').toUpperCase();
  const startedAt = Date.now();
  let response = await send(path, init, method);
  if (!response.ok) {
    let error = await readError(response);
    if (error.code === 'csrf_failed' && !SAFE_METHODS.has(method)) {
      await loadCsrfToken();
      response = await send(path, init, method);
      error = response.ok ? error : await readError(response);
    }
    if (!response.ok) {
      if (error.status === 401 && SESSION_ENDED_CODES.has(error.code)) {
        for (const listener of endedListeners) listener(error.code);
      } else if (!init.background) {
        for (const listener of activityListeners) listener(startedAt);
      }
      throw error;
    }
  }
  if (!init.background) for (const listener of activityListeners) listener(startedAt);
  // A proxy or a crash can answer with HTML or nothing; do not fail on parsing.
  return (await response.json().catch(() => undefined)) as T;
}
