// Password rules (NIST SP 800-63B): length, not composition; no common
// passwords; nothing from the person's own name or e-mail.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPassword,
  hashPassword,
  isCommonPassword,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
} from '../src/modules/accounts/passwords.ts';
import { accountLockMinutes, FREE_FAILURES } from '../src/modules/accounts/throttle.ts';

const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as {
  dictionary: { 'passwords-common': string[] };
};
const COMMON = dictionary['passwords-common'];
const LONG_COMMON = COMMON.filter((p) => [...p].length >= MIN_PASSWORD_LENGTH);

const containsAny = (password: string, words: string[]) =>
  words.some((w) => password.toLowerCase().includes(w.toLowerCase()));

describe('passwordProblem', () => {
  it('ships a list of at least 10,000 common passwords', () => {
    expect(COMMON.length).toBeGreaterThanOrEqual(10_000);
  });

  it('accepts any password of 12 or more characters that is neither common nor personal', () => {
    const personal = fc.array(fc.stringMatching(/^[a-z]{4,12}$/), { maxLength: 4 });
    fc.assert(
      fc.property(
        fc.string({ minLength: 12, maxLength: 80, unit: 'binary' }),
        personal,
        (p, words) => {
          fc.pre([...p].length >= MIN_PASSWORD_LENGTH && [...p].length <= 256);
          fc.pre(!isCommonPassword(p) && !containsAny(p, words));
          expect(passwordProblem(p, words)).toBeNull();
        },
      ),
    );
  });

  it('refuses anything shorter with the length message', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 11, unit: 'binary' }), (p) => {
        expect(passwordProblem(p)).toMatch(/at least 12 characters/);
      }),
    );
  });

  it('refuses every common password of the list that is long enough, in any case', () => {
    expect(LONG_COMMON.length).toBeGreaterThan(0);
    for (const p of LONG_COMMON) {
      expect(passwordProblem(p), p).toMatch(/most common/);
      expect(passwordProblem(p.toUpperCase()), p).toMatch(/most common/);
    }
  });

  it('refuses a password containing a part of the e-mail or name', () => {
    const personal = ['maria.gonzalez@example.org', 'María González'];
    expect(passwordProblem('i love gonzalez forever', personal)).toMatch(/name or e-mail/);
    expect(passwordProblem('EXAMPLE of a sentence', personal)).toMatch(/name or e-mail/);
    expect(passwordProblem('a long and unrelated sentence', personal)).toBeNull();
  });

  it('refuses more than 256 characters', () => {
    expect(passwordProblem('x'.repeat(257))).toMatch(/at most 256/);
  });
});

describe('checkPassword', () => {
  it('accepts only the right password, and never an account without a hash', async () => {
    const stored = await hashPassword('a quiet walk by the river');
    expect(await checkPassword(stored, 'a quiet walk by the river')).toBe(true);
    expect(await checkPassword(stored, 'a quiet walk by the lake')).toBe(false);
    expect(await checkPassword(null, 'a quiet walk by the river')).toBe(false);
    expect(await checkPassword('not-a-hash', 'anything at all here')).toBe(false);
  });
});

describe('account back-off', () => {
  it('locks from the fifth failure in a row, doubling from 1 minute up to 60', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (n) => {
        const minutes = accountLockMinutes(n);
        if (n < FREE_FAILURES) expect(minutes).toBe(0);
        else expect(minutes).toBe(Math.min(2 ** (n - FREE_FAILURES), 60));
        expect(accountLockMinutes(n + 1)).toBeGreaterThanOrEqual(minutes);
      }),
    );
    expect([5, 6, 7, 8, 9, 10, 11].map(accountLockMinutes)).toEqual([1, 2, 4, 8, 16, 32, 60]);
  });
});
