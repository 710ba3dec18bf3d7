import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ApiError, onServerActivity, rememberCsrfToken } from '../api.ts';
import { uploadForPatient } from '../inbox/upload.ts';
import { discardAttachment, uploadAttachment } from './upload.ts';

const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const view = {
  id: 'a1',
  fileName: 'informe médico.pdf',
  mediaType: 'application/pdf',
  sizeBytes: 9,
};

/** A fake server answering in order; the calls it was given. */
function serve(...answers: Response[]) {
  const fetch = vi.fn(async (_url: string, _init: RequestInit) => {
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    return next;
  });
  vi.stubGlobal('fetch', fetch);
  return () =>
    fetch.mock.calls.map(([url, init]) => ({ url, init, headers: new Headers(init.headers) }));
}

beforeEach(() => rememberCsrfToken('token-1'));
afterEach(() => vi.unstubAllGlobals());

describe('uploading an attachment', () => {
  test('sends the raw bytes with the file name encoded and the session’s CSRF token', async () => {
    const calls = serve(answer(201, view));
    const file = new File(['%PDF-1.4\n'], 'informe médico.pdf', { type: 'application/pdf' });
    await expect(uploadAttachment(file)).resolves.toEqual(view);
    const [call] = calls();
    expect(call?.url).toBe('/api/messages/attachments');
    expect(call?.init.method).toBe('POST');
    expect(call?.init.body).toBe(file);
    expect(call?.headers.get('content-type')).toBe('application/octet-stream');
    expect(call?.headers.get('x-file-name')).toBe('informe%20m%C3%A9dico.pdf');
    expect(call?.headers.get('x-csrf-token')).toBe('token-1');
  });

  test('refreshes a stale CSRF token and sends the file again, counting as activity', async () => {
    rememberCsrfToken('old');
    const calls = serve(
      answer(403, { error: { code: 'csrf_failed', message: 'out of date' } }),
      answer(200, { csrfToken: 'new' }),
      answer(201, view),
    );
    const heard = vi.fn();
    const stop = onServerActivity(heard);
    const file = new File(['%PDF-1.4\n'], 'a.pdf');
    await expect(uploadAttachment(file)).resolves.toEqual(view);
    stop();
    const made = calls();
    expect(made.map((c) => c.url)).toEqual([
      '/api/messages/attachments',
      '/api/session',
      '/api/messages/attachments',
    ]);
    expect(made[2]?.headers.get('x-csrf-token')).toBe('new');
    expect(made[2]?.init.body).toBe(file);
    expect(heard).toHaveBeenCalledTimes(1);
  });

  test('staff upload for a patient on the staff route', async () => {
    const calls = serve(answer(201, view));
    await uploadForPatient('p 1', new File(['%PDF-1.4\n'], 'a.pdf'));
    expect(calls()[0]?.url).toBe('/api/staff/messages/attachments?patientId=p%201');
  });

  test("a refusal comes back as the server's error", async () => {
    serve(
      answer(415, {
        error: {
          code: 'unsupported_media_type',
          message: 'Only PDF, JPEG, PNG or HEIC files can be attached.',
        },
      }),
    );
    const error = await uploadAttachment(new File(['MZ'], 'x.pdf')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  test('a proxy answering without JSON still gives the status', async () => {
    serve(new Response('<html>', { status: 413 }));
    const error = await uploadAttachment(new File(['x'], 'big.pdf')).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 413 });
  });
});

describe('removing an unsent attachment', () => {
  test('deletes it on the server, with the CSRF token', async () => {
    const calls = serve(new Response(null, { status: 204 }));
    await expect(discardAttachment('a1')).resolves.toBeUndefined();
    const [call] = calls();
    expect(call?.url).toBe('/api/messages/attachments/a1');
    expect(call?.init.method).toBe('DELETE');
    expect(call?.headers.get('x-csrf-token')).toBe('token-1');
  });
});
