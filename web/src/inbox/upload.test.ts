import i18next from 'i18next';
import { beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../api.ts';
import { resources } from '../i18n/resources.ts';
import { refusalText, refusedUpload } from './upload.ts';

const i18n = i18next.createInstance();
beforeAll(() =>
  i18n.init({
    resources: { en: { translation: resources.en }, es: { translation: resources.es } },
    lng: 'en',
    interpolation: { escapeValue: false },
  }),
);

describe('a file the server refused, in words', () => {
  const said = (error: unknown, lang = 'en') =>
    refusalText(i18n.getFixedT(lang), refusedUpload('scan.pdf', error));

  test("says the server's reason when it explained one", () => {
    const unsent = new ApiError('You have 10 files waiting to be sent.', 409, 'too_many_unsent');
    expect(said(unsent)).toBe(
      'scan.pdf could not be attached: You have 10 files waiting to be sent.',
    );
    expect(said(unsent, 'es')).toBe(
      'No se pudo adjuntar scan.pdf: You have 10 files waiting to be sent.',
    );
  });

  test('keeps its own words for size and type, and asks to retry an unexplained failure', () => {
    expect(said(new ApiError('Too large', 413, 'file_too_large'))).toBe(
      'scan.pdf is larger than 10 MB.',
    );
    expect(said(new ApiError('Only PDF…', 415, 'unsupported_type'))).toBe(
      'scan.pdf is not a PDF, JPEG, PNG or HEIC file.',
    );
    expect(said(new TypeError('Failed to fetch'))).toBe(
      'scan.pdf could not be attached. Try again.',
    );
    expect(said(new ApiError('Internal error', 500, 'internal_error'))).toBe(
      'scan.pdf could not be attached. Try again.',
    );
  });
});
