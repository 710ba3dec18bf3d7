import { describe, expect, test } from 'vitest';
import { ApiError } from '../api.ts';
import { missingFields, problemsFromError, type Wording } from './problems.ts';

const wording: Wording = {
  error: (e) => (e instanceof ApiError ? `error:${e.code}` : 'network'),
  field: (p) => `field:${p.message}`,
};

const validation = (details: unknown) =>
  new ApiError('email: must be a valid email', 400, 'validation_failed', details);

describe('problemsFromError', () => {
  test('validation details land on the fields the form has', () => {
    const error = validation([
      { field: 'email', message: 'must be a valid email' },
      { field: 'body.password', message: 'is required' },
    ]);
    expect(problemsFromError(error, ['email', 'password'], wording)).toEqual([
      { field: 'email', message: 'field:must be a valid email' },
      { field: 'password', message: 'field:is required' },
    ]);
  });

  test('a detail for a field the form lacks is not swallowed: the whole error shows', () => {
    const error = validation([{ field: 'role', message: 'is not a field this request accepts' }]);
    expect(problemsFromError(error, ['email'], wording)).toEqual([
      { message: 'error:validation_failed' },
    ]);
  });

  test('an error without details goes to the summary, or to the field its code names', () => {
    const weak = new ApiError('Too common', 400, 'weak_password');
    expect(problemsFromError(weak, ['password'], wording)).toEqual([
      { message: 'error:weak_password' },
    ]);
    expect(problemsFromError(weak, ['password'], wording, { weak_password: 'password' })).toEqual([
      { field: 'password', message: 'error:weak_password' },
    ]);
  });

  test('malformed details and network failures still give one message', () => {
    expect(problemsFromError(validation('nonsense'), ['email'], wording)).toEqual([
      { message: 'error:validation_failed' },
    ]);
    expect(problemsFromError(new TypeError('Failed to fetch'), ['email'], wording)).toEqual([
      { message: 'network' },
    ]);
  });

  test('one problem per field', () => {
    const error = validation([
      { field: 'email', message: 'a' },
      { field: 'email', message: 'b' },
    ]);
    expect(problemsFromError(error, ['email'], wording)).toHaveLength(1);
  });
});

describe('missingFields', () => {
  test('names the empty (or blank) required fields, in order', () => {
    expect(
      missingFields({ email: ' ', password: 'x' }, { email: 'Enter e-mail', password: 'Enter pw' }),
    ).toEqual([{ field: 'email', message: 'Enter e-mail' }]);
  });
});
