// The session: who am I (and the CSRF token for this browser), signing in
// with a password, staying signed in, step-up, and signing out.
import { Type } from 'typebox';
import { onSignedIn } from '../../ehr/sync/jobs.ts';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource, currentPatientId } from '../../platform/auth/context.ts';
import { csrfToken } from '../../platform/auth/csrf.ts';
import { moveIdleClocks } from '../../platform/auth/idle-clock.ts';
import {
  endSession,
  rotateSession,
  sessionCookieName,
  sessionCookieOptions,
} from '../../platform/auth/sessions.ts';
import { recentAuthUntil } from '../../platform/auth/step-up.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { challengeMethods, factorsOf } from './factors.ts';
import { checkPassword } from './passwords.ts';
import { passwordSignIn, reserveCodeAttempt, setSessionCookie, stepUpFailed } from './sign-in.ts';
import { ROLES, type Role } from './tables.ts';
import { releaseAttempt } from './throttle.ts';
import { acceptTotpCode } from './totp.ts';

const RoleGrant = Type.Object({
  role: Type.Unsafe<Role>(Type.String({ enum: [...ROLES] })),
  clinicId: Type.Union([Type.String(), Type.Null()]),
});

export const SecondFactorMethod = Type.Union([
  Type.Literal('totp'),
  Type.Literal('recovery'),
  Type.Literal('passkey'),
]);

export const SignInResult = Type.Object({
  next: Type.Union(
    [
      Type.Literal('done'),
      Type.Literal('mfa'),
      Type.Literal('enrol-mfa'),
      Type.Literal('offer-mfa'),
    ],
    {
      description:
        'done: signed in; mfa: answer a second-factor challenge with one of `methods`; ' +
        'enrol-mfa: staff must set up a second factor before going on; ' +
        'offer-mfa: signed in, and invited to set up a second factor (or decline)',
    },
  ),
  methods: Type.Array(SecondFactorMethod, {
    description: 'the second factors the person can answer with now',
  }),
});

export const SessionState = Type.Object({
  csrfToken: Type.String({
    description: 'send as the x-csrf-token header on every POST, PUT, PATCH, DELETE',
  }),
  signedIn: Type.Boolean(),
  signedOutReason: Type.Optional(
    Type.Union([Type.Literal('timeout'), Type.Literal('expired')], {
      description: 'set once, on the first call after the session timed out or expired',
    }),
  ),
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
  methods: Type.Optional(
    Type.Array(SecondFactorMethod, { description: 'second factors the user can answer with' }),
  ),
  recentAuthUntil: Type.Optional(
    Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'until when sensitive actions need no new password (step-up)',
    }),
  ),
});

const SignInBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

const ReauthenticateBody = Type.Object(
  {
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 12 })),
  },
  {
    additionalProperties: false,
    description: 'either password or code (from the authenticator app)',
  },
);

const idleExpiresAt = (lastSeen: Date, idleMinutes: number) =>
  new Date(lastSeen.getTime() + idleMinutes * 60_000).toISOString();

export const sessionRoutes: ModuleRoutes = async (app, { db, config, jobs }) => {
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
      if (!auth)
        return req.sessionEnded
          ? { csrfToken: token, signedIn: false, signedOutReason: req.sessionEnded }
          : { csrfToken: token, signedIn: false };
      // The web app asks this right after signing in and on every page load:
      // the moment to refresh a stale copy of the patient's record from the EHR.
      if (auth.complete) void onSignedIn(jobs, db, config, currentPatientId(auth));
      const s = auth.session;
      const at = s.reauthenticated_at;
      return {
        csrfToken: token,
        signedIn: true,
        complete: auth.complete,
        user: auth.user,
        roles: auth.roles,
        actingForPatientId: s.acting_for_patient_id,
        idleMinutes: s.idle_minutes,
        idleExpiresAt: idleExpiresAt(s.last_seen_at, s.idle_minutes),
        expiresAt: s.expires_at.toISOString(),
        methods: challengeMethods(await factorsOf(db, auth.user.id)),
        recentAuthUntil: at && auth.complete ? recentAuthUntil(at).toISOString() : null,
      };
    },
  );

  app.post(
    '/api/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign in with e-mail and password; says what comes next',
        description:
          'Starts a new session (the cookie is set). A wrong password and an unknown e-mail get ' +
          'the same 401 invalid_credentials; during a lock every attempt gets 429 ' +
          'too_many_attempts with details.retryAfter and a Retry-After header.',
        body: SignInBody,
        response: { 200: SignInResult, 401: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => passwordSignIn(db, config, req, reply, req.body),
  );

  app.delete(
    '/api/session',
    {
      config: { access: 'signing-in' },
      schema: {
        tags: ['session'],
        summary: 'Sign out: ends the session and clears what this browser kept',
        description:
          'With `?reason=idle` the web app reports its own idle sign-out (audited as a timeout).',
        querystring: Type.Object({ reason: Type.Optional(Type.Literal('idle')) }),
        response: { 204: Type.Null() },
      },
    },
    async (req, reply) => {
      const auth = req.auth as Auth;
      const idle = req.query.reason === 'idle';
      await db.transaction().execute(async (trx) => {
        await endSession(trx, auth.session.id, idle ? 'timeout' : 'sign_out');
        await audit(trx, auditSource(req), {
          action: idle ? 'timeout' : 'sign_out',
          resourceType: 'Session',
          resourceId: auth.session.id,
        });
      });
      reply.clearCookie(sessionCookieName(config), sessionCookieOptions(config));
      reply.header('clear-site-data', '"cache", "cookies", "storage"');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/session/keep-alive',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['session'],
        summary: 'Stay signed in (the answer to "you will be signed out soon")',
        response: { 200: Type.Object({ idleExpiresAt: Type.String({ format: 'date-time' }) }) },
      },
    },
    async (req) => {
      const s = (req.auth as Auth).session;
      const now = new Date();
      await moveIdleClocks(db, new Map([[s.id, now]]));
      return { idleExpiresAt: idleExpiresAt(now, s.idle_minutes) };
    },
  );

  app.post(
    '/api/session/reauthenticate',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['session'],
        summary: "Confirm it's you (step-up) before a sensitive action",
        description:
          'With the password or a code from the authenticator app. Sensitive actions then ' +
          'work for 5 minutes. A passkey works too: POST /api/session/passkey.',
        body: ReauthenticateBody,
        response: {
          200: Type.Object({ recentAuthUntil: Type.String({ format: 'date-time' }) }),
          400: ErrorResponse,
          401: ErrorResponse,
          429: ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      const auth = req.auth as Auth;
      const { password, code } = req.body;
      if ((password === undefined) === (code === undefined))
        throw new ApiError(
          400,
          'password_or_code',
          'Enter your password, or a code from your authenticator app.',
        );
      const factor = password !== undefined ? 'password' : 'totp';
      const attempt = await reserveCodeAttempt(db, config, req, reply, factor, true);
      const ok =
        password !== undefined
          ? await checkPassword(await passwordHashOf(auth.user.id), password)
          : await acceptTotpCode(db, config, auth.user.id, code as string);
      if (!ok) return stepUpFailed(db, req, reply, factor, attempt);
      const now = new Date();
      const token = await db.transaction().execute(async (trx) => {
        await releaseAttempt(trx, attempt.reservation);
        await trx
          .updateTable('sessions')
          .set({ reauthenticated_at: now })
          .where('id', '=', auth.session.id)
          .execute();
        await audit(trx, auditSource(req), {
          action: 'sign_in',
          resourceType: 'Session',
          resourceId: auth.session.id,
          details: { factor, stepUp: true },
        });
        return rotateSession(trx, auth.session.id);
      });
      setSessionCookie(reply, config, token);
      return { recentAuthUntil: recentAuthUntil(now).toISOString() };
    },
  );

  async function passwordHashOf(userId: string) {
    const row = await db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', userId)
      .executeTakeFirst();
    return row?.password_hash ?? null;
  }
};
