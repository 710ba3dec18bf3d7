import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ApiError, api, onServerActivity, onSessionEnded, rememberCsrfToken } from './api.ts';

interface Call {
  url: string;
  method: string;
  headers: Headers;
  body: unknown;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fake server: answers in order, records what was asked. */
function serve(...answers: Response[]) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({
        url,
        method: init.method ?? 'GET',
        headers: new Headers(init.headers),
        body: init.body ? JSON.parse(String(init.body)) : undefined,
      });
      const answer = answers.shift();
      if (!answer) throw new Error(`unexpected request ${url}`);
      return answer;
    }),
  );
  return calls;
}

beforeEach(() => rememberCsrfToken(null));
afterEach(() => vi.unstubAllGlobals());

describe('api', () => {
  test('unsafe requests carry the CSRF token, fetched once from /api/session', async () => {
    const calls = serve(json(200, { csrfToken: 't1', signedIn: false }), json(200, { ok: 1 }));
    await expect(api('/api/x', { method: 'POST', json: { a: 1 } })).resolves.toEqual({ ok: 1 });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/session', 'POST /api/x']);
    expect(calls[0]?.headers.get('x-background')).toBe('1'); // fetching a token is not activity
    expect(calls[1]?.headers.get('x-csrf-token')).toBe('t1');
    expect(calls[1]?.headers.get('content-type')).toBe('application/json');
    expect(calls[1]?.body).toEqual({ a: 1 });
  });

  test('GET sends no token; a body-less POST sends no content type', async () => {
    rememberCsrfToken('t0');
    const calls = serve(json(200, {}), json(200, {}));
    await api('/api/y');
    await api('/api/z', { method: 'POST' });
    expect(calls[0]?.headers.has('x-csrf-token')).toBe(false);
    expect(calls[1]?.headers.get('x-csrf-token')).toBe('t0');
    expect(calls[1]?.headers.has('content-type')).toBe(false);
  });

  test('a stale token is refreshed and the request retried, once', async () => {
    rememberCsrfToken('old');
    const stale = () => json(403, { error: { code: 'csrf_failed', message: 'out of date' } });
    const calls = serve(stale(), json(200, { csrfToken: 'new' }), stale());
    await expect(api('/api/x', { method: 'DELETE' })).rejects.toMatchObject({
      status: 403,
      code: 'csrf_failed',
    });
    expect(calls.map((c) => c.headers.get('x-csrf-token'))).toEqual(['old', null, 'new']);
  });

  test('a session that ended on the server is announced; a wrong password is not', async () => {
    rememberCsrfToken('t');
    const ended: string[] = [];
    const stop = onSessionEnded((code) => ended.push(code));
    serve(
      json(401, { error: { code: 'session_expired', message: 'signed out' } }),
      json(401, { error: { code: 'invalid_credentials', message: 'no' } }),
    );
    await expect(api('/api/account')).rejects.toBeInstanceOf(ApiError);
    await expect(api('/api/session', { method: 'POST', json: {} })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    stop();
    expect(ended).toEqual(['session_expired']);
  });

  test('background reads say so and do not count as activity', async () => {
    const seen: number[] = [];
    const stop = onServerActivity((at) => seen.push(at));
    const calls = serve(json(200, {}), json(200, {}));
    await api('/api/a', { background: true });
    await api('/api/b');
    stop();
    expect(calls[0]?.headers.get('x-background')).toBe('1');
    expect(calls[1]?.headers.has('x-background')).toBe(false);
    expect(seen).toHaveLength(1);
  });

  test('errors keep code, message and details; non-JSON errors still fail cleanly', async () => {
    serve(
      json(400, {
        error: { code: 'validation_failed', message: 'bad', details: [{ field: 'q' }] },
      }),
      new Response('<html>', { status: 502 }),
    );
    await expect(api('/api/a')).rejects.toMatchObject({
      code: 'validation_failed',
      message: 'bad',
      details: [{ field: 'q' }],
    });
    await expect(api('/api/b')).rejects.toMatchObject({ status: 502, code: 'http_error' });
  });
});
