import { expect, test } from 'vitest';
import { isSafeReturnPath, rememberReturnPath, takeReturnPath } from './returnPath.ts';

test('only paths inside the app are kept', () => {
  expect(isSafeReturnPath('/account')).toBe(true);
  expect(isSafeReturnPath('/staff/patients/0b6f4c1e')).toBe(true);
  for (const bad of [
    '//evil.example/x',
    '/\\evil.example',
    'https://evil.example',
    'account',
    '/sign-in/verify',
    null,
  ])
    expect(isSafeReturnPath(bad), String(bad)).toBe(false);
});

test('the saved path is used once', () => {
  rememberReturnPath('/account');
  expect(takeReturnPath()).toBe('/account');
  expect(takeReturnPath()).toBeNull();
  rememberReturnPath('//evil.example');
  expect(takeReturnPath()).toBeNull();
});
