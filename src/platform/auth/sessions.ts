// Server-side sessions. The browser holds a random token in an HttpOnly
// cookie; the database holds only its hash, so a stolen backup holds no
// working session.
import type { Kysely, Selectable } from 'kysely';
import type { Config } from '../../config.ts';
import type { Role, SessionEndReason } from '../../modules/accounts/tables.ts';
import { hashToken, newToken } from '../crypto/crypto.ts';
import type { Schema } from '../db/schema.ts';

type Db = Kysely<Schema>;

export const sessionCookieName = (config: Config) =>
  // __Host- binds the cookie to this exact origin over HTTPS (no Domain, Path=/).
  config.env === 'production' ? '__Host-portal_session' : 'portal_session';

export function sessionCookieOptions(config: Config) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: config.env === 'production',
  };
}

/** The shortest idle timeout among the user's roles. */
export function idleMinutesFor(config: Config, roles: readonly Role[]): number {
  const { default: fallback, byRole } = config.idleMinutes;
  const minutes = roles.map((r) => byRole[r] ?? fallback);
  return minutes.length ? Math.min(...minutes) : fallback;
}

export interface NewSession {
  userId: string;
  idleMinutes: number;
  maxHours: number;
  mfaVerified: boolean;
  ip: string | null;
  userAgent: string | null;
}

/** Starts a session; returns the token for the cookie (never stored). */
export async function createSession(db: Db, s: NewSession): Promise<{ id: string; token: string }> {
  const token = newToken();
  const now = new Date();
  const row = await db
    .insertInto('sessions')
    .values({
      token_hash: hashToken(token),
      user_id: s.userId,
      expires_at: new Date(now.getTime() + s.maxHours * 3_600_000),
      idle_minutes: s.idleMinutes,
      mfa_verified_at: s.mfaVerified ? now : null,
      reauthenticated_at: now,
      ip: s.ip,
      user_agent: s.userAgent?.slice(0, 300) ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

export type SessionRow = Selectable<Schema['sessions']>;

/** Why a session can no longer be used, if it cannot. */
export function sessionExpiry(s: SessionRow, now = new Date()): 'timeout' | 'expired' | null {
  if (now >= s.expires_at) return 'expired';
  if (now.getTime() - s.last_seen_at.getTime() > s.idle_minutes * 60_000) return 'timeout';
  return null;
}

/** A new token for the same session: at sign-in steps and privilege changes. */
export async function rotateSession(db: Db, sessionId: string): Promise<string> {
  const token = newToken();
  await db
    .updateTable('sessions')
    .set({ token_hash: hashToken(token) })
    .where('id', '=', sessionId)
    .execute();
  return token;
}

export async function endSession(db: Db, sessionId: string, reason: SessionEndReason) {
  await db
    .updateTable('sessions')
    .set({ ended_at: new Date(), end_reason: reason })
    .where('id', '=', sessionId)
    .where('ended_at', 'is', null)
    .execute();
}

/** Ends every open session of a user, except `keep` (the one asking). */
export async function endUserSessions(
  db: Db,
  userId: string,
  reason: SessionEndReason,
  keep?: string,
) {
  const result = await db
    .updateTable('sessions')
    .set({ ended_at: new Date(), end_reason: reason })
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .$if(!!keep, (q) => q.where('id', '!=', keep as string))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
