// Passwords per NIST SP 800-63B: length matters, composition rules do not.
import { hash, verify } from '@node-rs/argon2';

export const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 256;
const ARGON2ID = 2;

/** Why a password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, personal: string[] = []): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH)
    return `Use at least ${MIN_PASSWORD_LENGTH} characters; a short sentence is easy to remember.`;
  if (length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lower = password.toLowerCase();
  const words = personal
    .flatMap((p) => p.toLowerCase().split(/[\s@.]+/))
    .filter((w) => w.length >= 4);
  if (words.some((w) => lower.includes(w)))
    return 'Do not use your name or e-mail address in your password.';
  return null;
}

export const hashPassword = (password: string) => hash(password, { algorithm: ARGON2ID });
export const verifyPassword = (stored: string, password: string) => verify(stored, password);
