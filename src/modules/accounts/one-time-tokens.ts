// Single-use links sent by e-mail (password reset, e-mail change). The link
// carries a random token; the table keeps only its hash, its purpose and
// when it stops working.
import type { Kysely } from 'kysely';
import { hashToken, newToken } from '../../platform/crypto/crypto.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';

type Db = Kysely<Schema>;
export type TokenPurpose = 'password_reset' | 'email_change';

export const TOKEN_MINUTES: Record<TokenPurpose, number> = {
  password_reset: 30,
  email_change: 24 * 60,
};

/** A new token for the user, replacing any unused one of the same purpose. */
export async function issueOneTimeToken(
  trx: Db,
  input: { userId: string; purpose: TokenPurpose; newEmail?: string },
): Promise<string> {
  await trx
    .deleteFrom('one_time_tokens')
    .where('user_id', '=', input.userId)
    .where('purpose', '=', input.purpose)
    .where('used_at', 'is', null)
    .execute();
  const token = newToken();
  await trx
    .insertInto('one_time_tokens')
    .values({
      token_hash: hashToken(token),
      user_id: input.userId,
      purpose: input.purpose,
      new_email: input.newEmail ?? null,
      expires_at: new Date(Date.now() + TOKEN_MINUTES[input.purpose] * 60_000),
    })
    .execute();
  return token;
}

/** The token's account when the token is unused, unexpired and the account active. */
export function findOneTimeToken(db: Db, token: string, purpose: TokenPurpose) {
  return db
    .selectFrom('one_time_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select([
      't.token_hash',
      't.new_email',
      'u.id as userId',
      'u.email',
      'u.display_name',
      'u.language',
    ])
    .where('t.token_hash', '=', hashToken(token))
    .where('t.purpose', '=', purpose)
    .where('t.used_at', 'is', null)
    .where('t.expires_at', '>', new Date())
    .where('u.status', '=', 'active')
    .executeTakeFirst();
}

/** Marks the token used; false when another request used it first. */
export async function useOneTimeToken(trx: Db, tokenHash: string): Promise<boolean> {
  const result = await trx
    .updateTable('one_time_tokens')
    .set({ used_at: new Date() })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Cancels every unused link of the user (reset and e-mail change): after a
 * password or e-mail change, a link mailed before it must not work, or
 * whoever holds an old one could undo the change. Returns how many.
 */
export async function dropUnusedTokens(trx: Db, userId: string): Promise<number> {
  const result = await trx
    .deleteFrom('one_time_tokens')
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export const invalidToken = (purpose: TokenPurpose) =>
  new ApiError(
    400,
    'invalid_token',
    purpose === 'password_reset'
      ? "This link has expired or was already used. Ask for a new one with 'Forgot password'."
      : 'This link has expired or was already used. Ask for the change again on your account page.',
  );
