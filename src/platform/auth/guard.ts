// Access is decided here, once, for every route: the session is resolved
// from its cookie, idle and absolute timeouts end it, the route's declared
// access is enforced, and a state-changing request must carry a CSRF token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import { audit } from '../audit/audit.ts';
import { hashToken } from '../crypto/crypto.ts';
import type { Database } from '../db/database.ts';
import type { Schema } from '../db/schema.ts';
import { ApiError } from '../errors.ts';
import { countMemory } from '../http/metrics.ts';
import { auditSource, findSignedIn, hasRole, loadAuth } from './context.ts';
import { checkCsrf } from './csrf.ts';
import { IdleClock } from './idle-clock.ts';
import { SessionCache } from './session-cache.ts';
import { endSession, sessionCookieName, sessionCookieOptions, sessionExpiry } from './sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this request found its session timed out or expired. */
    sessionEnded?: 'timeout' | 'expired';
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The idle clock moves at most this often: a minutes-long timeout needs no finer. */
const TOUCH_AFTER_MS = 15_000;

export async function installGuard(app: FastifyInstance, database: Database, config: Config) {
  const { db } = database;
  const sessions = await sessionCache(app, database, config);
  const idleClock = new IdleClock(db, app.log);
  app.addHook('onClose', () => idleClock.stop());
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (req, reply) => {
    const access = req.routeOptions.config?.access;
    if (!access) return; // no route matched: the 404 handler answers
    req.auth = await resolveSession(
      req,
      reply,
      { db, config, sessions, idleClock },
      access !== 'public',
    );
    if (!SAFE.has(req.method)) checkCsrf(req, config);
    if (access === 'public') return;
    if (!req.auth) throw new ApiError(401, 'sign_in_required', 'Please sign in to continue.');
    if (access === 'signing-in') return;
    if (!req.auth.complete)
      throw new ApiError(
        401,
        'second_factor_required',
        'Finish signing in with your second factor first.',
      );
    if (access === 'signed-in' || hasRole(req.auth, ...access.roles)) return;
    await audit(db, auditSource(req), {
      action: 'access_denied',
      outcome: 'failure',
      details: { route: req.routeOptions.url, method: req.method },
    });
    throw new ApiError(403, 'forbidden', 'Your account is not allowed to do this.');
  });
}

/** The app's session cache, listening for changes until the app closes; counted in /metrics. */
async function sessionCache(app: FastifyInstance, database: Database, config: Config) {
  const cache = new SessionCache(config.sessionCacheSeconds * 1000);
  if (config.sessionCacheSeconds > 0)
    app.addHook('onClose', await database.sessionChanges.watch(cache));
  countMemory(
    app,
    {
      name: 'session_lookups_total',
      help: 'Signed-in sessions looked up, by where they were found (memory or database)',
      label: 'found_in',
    },
    cache,
  );
  return cache;
}

interface GuardDeps {
  db: Kysely<Schema>;
  config: Config;
  sessions: SessionCache;
  idleClock: IdleClock;
}

async function resolveSession(
  req: FastifyRequest,
  reply: FastifyReply,
  { db, config, sessions, idleClock }: GuardDeps,
  protectedRoute: boolean,
) {
  const cookie = sessionCookieName(config);
  const token = req.cookies[cookie];
  if (!token) return null;
  const tokenHash = hashToken(token);
  const found = await sessions.find(tokenHash, () => findSignedIn(db, tokenHash));
  if (!found) {
    reply.clearCookie(cookie, sessionCookieOptions(config));
    return null;
  }
  const { session } = found;
  const ended = sessionExpiry(session);
  if (ended) {
    await db.transaction().execute(async (trx) => {
      await endSession(trx, session.id, ended);
      await audit(
        trx,
        { ...auditSource(req), actorUserId: session.user_id },
        {
          action: 'timeout',
          resourceType: 'Session',
          resourceId: session.id,
          details: { reason: ended },
        },
      );
    });
    reply.clearCookie(cookie, sessionCookieOptions(config));
    // A public route (the sign-in page's own calls) carries on signed out.
    req.sessionEnded = ended;
    if (!protectedRoute) return null;
    throw new ApiError(
      401,
      'session_expired',
      'You were signed out after a period of inactivity. Please sign in again.',
    );
  }
  const auth = await loadAuth(db, session, found.user);
  if (!auth) {
    await endSession(db, session.id, 'disabled');
    reply.clearCookie(cookie, sessionCookieOptions(config));
    return null;
  }
  if (
    Date.now() - session.last_seen_at.getTime() > TOUCH_AFTER_MS &&
    req.headers['x-background'] !== '1'
  ) {
    auth.session.last_seen_at = new Date();
    idleClock.moved(session.id, auth.session.last_seen_at);
    sessions.touched(tokenHash, auth.session.last_seen_at);
  }
  return auth;
}
