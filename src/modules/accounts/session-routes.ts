// The session: who am I (and the CSRF token for this browser).
import { Type } from 'typebox';
import { csrfToken } from '../../platform/auth/csrf.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { ROLES, type Role } from './tables.ts';

const RoleGrant = Type.Object({
  role: Type.Unsafe<Role>(Type.String({ enum: [...ROLES] })),
  clinicId: Type.Union([Type.String(), Type.Null()]),
});

export const SessionState = Type.Object({
  csrfToken: Type.String({
    description: 'send as the x-csrf-token header on every POST, PUT, PATCH, DELETE',
  }),
  signedIn: Type.Boolean(),
  complete: Type.Optional(
    Type.Boolean({ description: 'false while a second factor is still due' }),
  ),
  user: Type.Optional(
    Type.Object({
      id: Type.String(),
      email: Type.String(),
      displayName: Type.String(),
      language: Type.Union([Type.Literal('en'), Type.Literal('es')]),
      patientId: Type.Union([Type.String(), Type.Null()]),
      mfaEnrolled: Type.Boolean(),
      mfaDeclined: Type.Boolean(),
    }),
  ),
  roles: Type.Optional(Type.Array(RoleGrant)),
  actingForPatientId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  idleMinutes: Type.Optional(Type.Integer()),
  idleExpiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
});

export const sessionRoutes: ModuleRoutes = async (app, { config }) => {
  app.get(
    '/api/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'The current session, if any, and the CSRF token for this browser',
        response: { 200: SessionState },
      },
    },
    async (req, reply) => {
      const token = csrfToken(req, reply, config);
      const auth = req.auth;
      if (!auth) return { csrfToken: token, signedIn: false };
      const s = auth.session;
      return {
        csrfToken: token,
        signedIn: true,
        complete: auth.complete,
        user: auth.user,
        roles: auth.roles,
        actingForPatientId: s.acting_for_patient_id,
        idleMinutes: s.idle_minutes,
        idleExpiresAt: new Date(Date.now() + s.idle_minutes * 60_000).toISOString(),
        expiresAt: s.expires_at.toISOString(),
      };
    },
  );
};
