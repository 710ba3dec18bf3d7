import i18next from 'i18next';
import { beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../api.ts';
import en from '../i18n/locales/en.json' with { type: 'json' };
import es from '../i18n/locales/es.json' with { type: 'json' };
import { errorMessage, fieldMessage, weakPasswordReason } from './messages.ts';

const i18n = i18next.createInstance();
beforeAll(() =>
  i18n.init({
    resources: { en: { translation: en }, es: { translation: es } },
    lng: 'es',
    interpolation: { escapeValue: false },
  }),
);

describe('errorMessage', () => {
  test('known codes are translated; unknown ones keep the server text', () => {
    const t = i18n.getFixedT('es');
    expect(errorMessage(t, 'es', new ApiError('x', 401, 'invalid_credentials'))).toBe(
      es.apiErrors.invalid_credentials,
    );
    expect(errorMessage(t, 'es', new ApiError('Server words', 409, 'something_new'))).toBe(
      'Server words',
    );
    expect(errorMessage(t, 'es', new TypeError('Failed to fetch'))).toBe(es.apiErrors.network);
  });

  test('a lockout says until when, in the reader language', () => {
    const t = i18n.getFixedT('en');
    const locked = new ApiError('x', 429, 'too_many_attempts', {
      retryAfter: '2030-01-02T03:04:00.000Z',
    });
    expect(errorMessage(t, 'en', locked)).toMatch(/^Too many attempts\. Try again after .*2030/);
  });

  test('refused passwords are explained in the reader language', () => {
    const t = i18n.getFixedT('es');
    const short = new ApiError(
      'Use at least 12 characters; a short sentence is easy to remember.',
      400,
      'weak_password',
    );
    expect(errorMessage(t, 'es', short)).toBe(es.password.weak.tooShort);
  });
});

test('weakPasswordReason recognises the server explanations', () => {
  expect(weakPasswordReason('Use at most 256 characters.')).toBe('tooLong');
  expect(weakPasswordReason('This password is one of the most common ones')).toBe('common');
  expect(weakPasswordReason('Do not use your name or e-mail address in your password.')).toBe(
    'personal',
  );
  expect(weakPasswordReason('Something else')).toBeNull();
});

test('fieldMessage translates the common validation words', () => {
  const t = i18n.getFixedT('es');
  expect(fieldMessage(t, { field: 'email', message: 'is required' })).toBe(es.forms.required);
  expect(fieldMessage(t, { field: 'email', message: 'must be a valid email' })).toBe(
    es.forms.invalidFormat,
  );
});
