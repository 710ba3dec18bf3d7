import { expect, test } from 'vitest';
import { tokenFromHash } from './hashToken.ts';

test('reads the token from the fragment', () => {
  expect(tokenFromHash('#token=abc-123_x')).toBe('abc-123_x');
  expect(tokenFromHash('token=abc')).toBe('abc');
  expect(tokenFromHash('#other=1&token=t2')).toBe('t2');
});

test('no token, no guess', () => {
  expect(tokenFromHash('')).toBeNull();
  expect(tokenFromHash('#')).toBeNull();
  expect(tokenFromHash('#token=')).toBeNull();
  expect(tokenFromHash('#main')).toBeNull();
});
