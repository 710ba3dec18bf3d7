import { describe, expect, test } from 'vitest';
import { pickLanguage } from './language.ts';

describe('pickLanguage', () => {
  test('a saved choice wins over the browser', () => {
    expect(pickLanguage('es', ['en-US'])).toBe('es');
    expect(pickLanguage('en', ['es-MX'])).toBe('en');
  });

  test('otherwise the first supported browser language, else English', () => {
    expect(pickLanguage(null, ['es-MX', 'en'])).toBe('es');
    expect(pickLanguage(null, ['fr-FR', 'es'])).toBe('es');
    expect(pickLanguage('de', ['fr-FR'])).toBe('en');
    expect(pickLanguage(null, [])).toBe('en');
  });
});
