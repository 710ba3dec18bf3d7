// Recovery codes: ten single-use codes for when the phone is lost. Only
// their hashes are kept; the person sees them once, when they are made.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashToken } from '../../platform/crypto/crypto.ts';
import type { Schema } from '../../platform/db/schema.ts';

type Db = Kysely<Schema>;

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'; // base32: no 0/1/8/9 to mistake
const LENGTH = 10; // 50 bits each

/** A new code in the form xxxx-xxxx-xx. */
export function newRecoveryCode(): string {
  // 256 is a multiple of 32, so masking each byte keeps the letters uniform.
  const chars = [...randomBytes(LENGTH)].map((b) => ALPHABET[b & 31]).join('');
  return formatCode(chars);
}

const formatCode = (c: string) => `${c.slice(0, 4)}-${c.slice(4, 8)}-${c.slice(8)}`;

/** The code as it was issued, however it was typed (case, spaces, dashes); null if it cannot be one. */
export function normalizeRecoveryCode(input: string): string | null {
  const chars = input.toLowerCase().replace(/[\s-]+/g, '');
  if (chars.length !== LENGTH || [...chars].some((c) => !ALPHABET.includes(c))) return null;
  return formatCode(chars);
}

/** Replaces the user's codes with ten new ones and returns them, to show once. */
export async function replaceRecoveryCodes(db: Db, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_codes')
    .values(codes.map((c) => ({ user_id: userId, code_hash: hashToken(c), used_at: null })))
    .execute();
  return codes;
}

/** Uses up one code; false when it is unknown or was used before. */
export async function redeemRecoveryCode(db: Db, userId: string, input: string): Promise<boolean> {
  const code = normalizeRecoveryCode(input);
  if (!code) return false;
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: new Date() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hashToken(code))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function recoveryCodesLeft(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export const dropRecoveryCodes = (db: Db, userId: string) =>
  db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
