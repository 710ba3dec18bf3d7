// My open sessions (device, IP, last seen), ending one of them, or all but
// this one ("sign out everywhere else").
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import {
  endSession,
  endUserSessions,
  sessionCookieName,
  sessionCookieOptions,
  sessionExpiry,
} from '../../platform/auth/sessions.ts';
import { notFound } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { describeDevice } from './device.ts';

const OpenSession = Type.Object({
  id: Type.String(),
  current: Type.Boolean({ description: 'the session making this request' }),
  createdAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time' }),
  ip: Type.Union([Type.String(), Type.Null()]),
  device: Type.String({ description: 'e.g. "Chrome on Android"' }),
});

export const accountSessionRoutes: ModuleRoutes = async (app, { db, config }) => {
  app.get(
    '/api/account/sessions',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'My open sessions, newest activity first',
        response: { 200: Type.Object({ sessions: Type.Array(OpenSession) }) },
      },
    },
    async (req) => {
      const auth = req.auth as NonNullable<typeof req.auth>;
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', auth.user.id)
        .where('ended_at', 'is', null)
        .orderBy('last_seen_at', 'desc')
        .execute();
      return {
        sessions: rows
          .filter((s) => !sessionExpiry(s))
          .map((s) => ({
            id: s.id,
            current: s.id === auth.session.id,
            createdAt: s.created_at.toISOString(),
            lastSeenAt: s.last_seen_at.toISOString(),
            ip: s.ip,
            device: describeDevice(s.user_agent),
          })),
      };
    },
  );

  app.delete(
    '/api/account/sessions/:id',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Sign out one of my sessions (this one too, if it is the one named)',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        response: { 204: Type.Null(), 404: ErrorResponse },
      },
    },
    async (req, reply) => {
      const auth = req.auth as NonNullable<typeof req.auth>;
      const { id } = req.params;
      const own = await db
        .selectFrom('sessions')
        .select('id')
        .where('id', '=', id)
        .where('user_id', '=', auth.user.id)
        .where('ended_at', 'is', null)
        .executeTakeFirst();
      if (!own) {
        await audit(db, auditSource(req), {
          action: 'access_denied',
          outcome: 'failure',
          resourceType: 'Session',
          details: { attempted: 'sign_out' },
        });
        // Someone else's session is as unknown as one that never was.
        throw notFound('That session');
      }
      await db.transaction().execute(async (trx) => {
        await endSession(trx, id, 'sign_out');
        await audit(trx, auditSource(req), {
          action: 'sign_out',
          resourceType: 'Session',
          resourceId: id,
          details: { from: 'session_list' },
        });
      });
      if (id === auth.session.id)
        reply.clearCookie(sessionCookieName(config), sessionCookieOptions(config));
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/api/account/sessions',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Sign out everywhere else: end all my sessions but this one',
        response: { 200: Type.Object({ ended: Type.Integer() }) },
      },
    },
    async (req) => {
      const auth = req.auth as NonNullable<typeof req.auth>;
      const ended = await db.transaction().execute(async (trx) => {
        const n = await endUserSessions(trx, auth.user.id, 'sign_out_everywhere', auth.session.id);
        await audit(trx, auditSource(req), {
          action: 'sign_out',
          resourceType: 'Session',
          details: { from: 'sign_out_everywhere_else', sessionsEnded: n },
        });
        return n;
      });
      return { ended };
    },
  );
};
