import { afterEach, describe, expect, test, vi } from 'vitest';
import { ApiError } from '../api.ts';
import { uploadAttachment } from './upload.ts';

const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('uploading an attachment', () => {
  afterEach(() => vi.unstubAllGlobals());

  test('sends the raw bytes with the file name encoded and the CSRF token', async () => {
    const view = {
      id: 'a1',
      fileName: 'informe médico.pdf',
      mediaType: 'application/pdf',
      sizeBytes: 9,
    };
    const fetch = vi.fn(async () => answer(201, view));
    vi.stubGlobal('fetch', fetch);
    const file = new File(['%PDF-1.4\n'], 'informe médico.pdf', { type: 'application/pdf' });
    await expect(uploadAttachment(file, 'token-1')).resolves.toEqual(view);
    const [path, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(path).toBe('/api/messages/attachments');
    expect(init.method).toBe('POST');
    expect(init.body).toBe(file);
    const headers = new Headers(init.headers);
    expect(headers.get('content-type')).toBe('application/octet-stream');
    expect(headers.get('x-file-name')).toBe('informe%20m%C3%A9dico.pdf');
    expect(headers.get('x-csrf-token')).toBe('token-1');
  });

  test("a refusal comes back as the server's error", async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        answer(415, {
          error: {
            code: 'unsupported_media_type',
            message: 'Only PDF, JPEG, PNG or HEIC files can be attached.',
          },
        }),
      ),
    );
    const error = await uploadAttachment(new File(['MZ'], 'x.pdf'), 't').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  test('a proxy answering without JSON still gives the status', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<html>', { status: 413 })),
    );
    const error = await uploadAttachment(new File(['x'], 'big.pdf'), 't').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 413 });
  });
});
