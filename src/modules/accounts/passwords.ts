// Passwords per NIST SP 800-63B: length matters, composition rules do not;
// common passwords and ones built from the user's own name or e-mail are refused.
import { createRequire } from 'node:module';
import { hash, verify } from '@node-rs/argon2';
import { ApiError } from '../../platform/errors.ts';

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 256;
const ARGON2ID = 2;

let common: Set<string> | undefined;

/** The ≈49,000 most common passwords, read on first use (not at start-up). */
function commonPasswords(): Set<string> {
  if (!common) {
    const require = createRequire(import.meta.url);
    const { dictionary } = require('@zxcvbn-ts/language-common') as {
      dictionary: { 'passwords-common': string[] };
    };
    common = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  }
  return common;
}

export const isCommonPassword = (password: string) => commonPasswords().has(password.toLowerCase());

export type PasswordReason = 'too_short' | 'too_long' | 'common' | 'personal';

/** Why a password is refused (a code for the web app, a sentence for people), or null. */
export function passwordRuleBroken(
  password: string,
  personal: string[] = [],
): { reason: PasswordReason; message: string } | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    return {
      reason: 'too_short',
      message: `Use at least ${MIN_PASSWORD_LENGTH} characters; a short sentence is easy to remember.`,
    };
  if (length > MAX_PASSWORD_LENGTH)
    return { reason: 'too_long', message: `Use at most ${MAX_PASSWORD_LENGTH} characters.` };
  if (isCommonPassword(password))
    return {
      reason: 'common',
      message:
        'This password is one of the most common ones, so it is easy to guess. Choose another.',
    };
  const lower = password.toLowerCase();
  const words = personal
    .flatMap((p) => p.toLowerCase().split(/[\s@.]+/))
    .filter((w) => w.length >= 4);
  if (words.some((w) => lower.includes(w)))
    return {
      reason: 'personal',
      message: 'Do not use your name or e-mail address in your password.',
    };
  return null;
}

export const passwordProblem = (password: string, personal: string[] = []) =>
  passwordRuleBroken(password, personal)?.message ?? null;

/** Throws 400 weak_password naming the field and the rule, when a rule is broken. */
export function requireStrongPassword(password: string, personal: string[], field = 'password') {
  const broken = passwordRuleBroken(password, personal);
  if (broken)
    throw new ApiError(400, 'weak_password', broken.message, [
      { field, message: broken.message, reason: broken.reason },
    ]);
}

export const hashPassword = (password: string) => hash(password, { algorithm: ARGON2ID });
export const verifyPassword = (stored: string, password: string) => verify(stored, password);

/** Made by hashPassword (same parameters), for accounts without a hash. */
const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$Rw/pg4O5gqnRbYsNeKPKKA$afnHXprEGE3l6gsmvA13uxSzsv6YCJJzRMOKIYa51a0';

/**
 * Checks a password against the stored hash, or against a fixed dummy hash
 * when there is none, so an unknown e-mail costs the same time as a wrong
 * password and answers nothing about whether the account exists.
 */
export async function checkPassword(stored: string | null, password: string): Promise<boolean> {
  const ok = await verifyPassword(stored ?? DUMMY_HASH, password).catch(() => false);
  return ok && stored !== null;
}
