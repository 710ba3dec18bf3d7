// Step-up: sensitive actions (changing e-mail, password or MFA, downloading
// a full record) need the person to have proved who they are within the
// last few minutes, not just to hold a session that may be hours old.
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { Auth } from './context.ts';

export const STEP_UP_MINUTES = 5;

/** Whether the session's password, code or passkey is recent enough. */
export function hasRecentAuth(auth: Auth | null, now = new Date()): boolean {
  const at = auth?.session.reauthenticated_at;
  if (!auth?.complete || !at) return false;
  return now.getTime() - at.getTime() <= STEP_UP_MINUTES * 60_000;
}

/** Throws 401 reauthentication_required unless the person proved it is them recently. */
export function requireRecentAuth(req: FastifyRequest): void {
  if (!hasRecentAuth(req.auth))
    throw new ApiError(
      401,
      'reauthentication_required',
      "Confirm it's you: enter your password again.",
    );
}

/** When the step-up ends, for the web app to show. */
export const recentAuthUntil = (at: Date) => new Date(at.getTime() + STEP_UP_MINUTES * 60_000);
