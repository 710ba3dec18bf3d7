// How often a public form may be tried: a counter per key in a fixed window,
// kept in the database so every instance of the portal shares it. Keys are
// hashed, so the table holds no e-mail or IP address.
import { type Kysely, sql } from 'kysely';
import { hashToken } from '../../platform/crypto/crypto.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';

export interface Limit {
  max: number;
  windowMinutes: number;
}

/** Counts one attempt and says whether it is over the limit. Commits at once. */
export async function overLimit(db: Kysely<Schema>, key: string, limit: Limit): Promise<boolean> {
  const seconds = limit.windowMinutes * 60;
  const stale = sql<boolean>`request_limits.window_started_at <= now() - make_interval(secs => ${seconds})`;
  const row = await db
    .insertInto('request_limits')
    .values({ key_hash: hashToken(key), attempts: 1 })
    .onConflict((oc) =>
      oc.column('key_hash').doUpdateSet({
        attempts: sql`case when ${stale} then 1 else request_limits.attempts + 1 end`,
        window_started_at: sql`case when ${stale} then now() else request_limits.window_started_at end`,
      }),
    )
    .returning('attempts')
    .executeTakeFirstOrThrow();
  return row.attempts > limit.max;
}

/** Throws 429 when the key is over its limit. */
export async function enforceLimit(db: Kysely<Schema>, key: string, limit: Limit) {
  if (await overLimit(db, key, limit))
    throw new ApiError(
      429,
      'too_many_attempts',
      `Too many attempts. Please wait ${limit.windowMinutes} minutes and try again.`,
    );
}
