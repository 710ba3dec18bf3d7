// Passkeys: adding, naming and removing them in the account, and signing in
// with one (on its own, or as the second factor after the password).
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { requireRecentAuth } from '../../platform/auth/step-up.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleDeps, ModuleRoutes } from '../../platform/http/module.ts';
import {
  factorsOf,
  isEnrolled,
  lockFactors,
  refuseLastStaffFactor,
  requireMayAddFactor,
} from './factors.ts';
import {
  authenticationOptions,
  checkPasskey,
  MAX_PASSKEYS,
  registrationOptions,
  verifyNewPasskey,
} from './passkeys.ts';
import { dropRecoveryCodes, replaceRecoveryCodes } from './recovery-codes.ts';
import { SignInResult } from './session-routes.ts';
import {
  completeSecondFactor,
  countFailure,
  locked,
  markSecondFactorDone,
  setSessionCookie,
  signInSource,
  startSession,
} from './sign-in.ts';
import {
  clearFailures,
  ipKey,
  lockedUntil,
  type Reservation,
  releaseAttempt,
  reserveAttempt,
} from './throttle.ts';

const B64URL = Type.String({ pattern: '^[A-Za-z0-9_-]*={0,2}$', maxLength: 16_384 });
const Transports = Type.Array(Type.String({ maxLength: 20 }), { maxItems: 10 });
const ExtensionResults = Type.Record(Type.String(), Type.Unknown());

// The credential as the browser's toJSON() (or @simplewebauthn/browser) gives
// it. Its `response` may gain fields in newer browsers, so only that inner
// object accepts fields not listed; none of it reaches the database unchecked.
const RegistrationCredential = Type.Object(
  {
    id: B64URL,
    rawId: B64URL,
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: B64URL,
      attestationObject: B64URL,
      authenticatorData: Type.Optional(B64URL),
      transports: Type.Optional(Transports),
      publicKeyAlgorithm: Type.Optional(Type.Integer()),
      publicKey: Type.Optional(B64URL),
    }),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 20 })),
    clientExtensionResults: ExtensionResults,
  },
  { additionalProperties: false },
);

const AuthenticationCredential = Type.Object(
  {
    id: B64URL,
    rawId: B64URL,
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: B64URL,
      authenticatorData: B64URL,
      signature: B64URL,
      userHandle: Type.Optional(B64URL),
    }),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 20 })),
    clientExtensionResults: ExtensionResults,
  },
  { additionalProperties: false },
);

const PasskeyName = Type.String({ minLength: 1, maxLength: 60 });

const Passkey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const WebAuthnOptions = (description: string) =>
  Type.Object({ challenge: Type.String() }, { additionalProperties: true, description });

const passkeyFailed = () =>
  new ApiError(
    401,
    'passkey_failed',
    'That passkey could not sign you in. Try again, or sign in with your password.',
  );

export const passkeyRoutes: ModuleRoutes = async (app, deps) => {
  const { db, config } = deps;

  app.post(
    '/api/account/passkeys/options',
    {
      config: { access: 'signing-in' },
      schema: {
        tags: ['account'],
        summary: 'Start adding a passkey: options for the browser',
        description:
          'Staff may add their first factor while signing in; otherwise this needs a recent ' +
          'step-up (401 reauthentication_required).',
        response: {
          200: WebAuthnOptions('pass to startRegistration({ optionsJSON })'),
          401: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (req) => {
      const auth = requireMayAddFactor(req);
      if ((await factorsOf(db, auth.user.id)).passkeys >= MAX_PASSKEYS)
        throw new ApiError(
          409,
          'too_many_passkeys',
          `You can keep up to ${MAX_PASSKEYS} passkeys; remove one first.`,
        );
      return registrationOptions(db, config, auth.user);
    },
  );

  app.post(
    '/api/account/passkeys',
    {
      config: { access: 'signing-in' },
      schema: {
        tags: ['account'],
        summary: "Finish adding a passkey with the browser's answer",
        description:
          'When it is the first second factor, the sign-in completes (new cookie) and 10 ' +
          'recovery codes come back, shown only this once.',
        body: Type.Object(
          { name: Type.Optional(PasskeyName), credential: RegistrationCredential },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            passkey: Passkey,
            recoveryCodes: Type.Optional(Type.Array(Type.String())),
          }),
          400: ErrorResponse,
          401: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      const auth = requireMayAddFactor(req);
      const before = await factorsOf(db, auth.user.id);
      const credential = await verifyNewPasskey(
        db,
        config,
        auth.user.id,
        req.body.credential as RegistrationResponseJSON,
      );
      if (!credential)
        throw new ApiError(
          400,
          'passkey_not_added',
          'The passkey could not be added. Start again, and finish within 5 minutes.',
        );
      const first = !isEnrolled(before);
      const { row, codes, token } = await db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('passkeys')
          .values({
            id: credential.id,
            user_id: auth.user.id,
            public_key: credential.publicKey,
            counter: credential.counter,
            transports: credential.transports,
            name: req.body.name?.trim() || `Passkey ${before.passkeys + 1}`,
          })
          .onConflict((oc) => oc.column('id').doNothing())
          .returning(['id', 'name', 'created_at', 'last_used_at'])
          .executeTakeFirst();
        if (!row) throw new ApiError(409, 'passkey_exists', 'This passkey is already registered.');
        await audit(trx, auditSource(req), {
          action: 'create',
          resourceType: 'MfaFactor',
          resourceId: auth.user.id,
          details: { factor: 'passkey', passkeyId: row.id },
        });
        if (!first) return { row, codes: undefined, token: undefined };
        const codes = await replaceRecoveryCodes(trx, auth.user.id);
        return { row, codes, token: await markSecondFactorDone(trx, auth.session.id) };
      });
      if (token) setSessionCookie(reply, config, token);
      return reply.status(201).send({ passkey: toPasskey(row), recoveryCodes: codes });
    },
  );

  app.get(
    '/api/account/passkeys',
    {
      exposeHeadRoute: false, // HEAD only beside public GETs
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Your passkeys',
        response: { 200: Type.Object({ passkeys: Type.Array(Passkey) }) },
      },
    },
    async (req) => {
      const rows = await db
        .selectFrom('passkeys')
        .select(['id', 'name', 'created_at', 'last_used_at'])
        .where('user_id', '=', (req.auth as Auth).user.id)
        .orderBy('created_at')
        .execute();
      return { passkeys: rows.map(toPasskey) };
    },
  );

  app.patch(
    '/api/account/passkeys/:id',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Rename a passkey',
        params: Type.Object({ id: B64URL }),
        body: Type.Object({ name: PasskeyName }, { additionalProperties: false }),
        response: { 200: Type.Object({ passkey: Passkey }), 404: ErrorResponse },
      },
    },
    async (req) => {
      const auth = req.auth as Auth;
      const row = await db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('passkeys')
          .set({ name: req.body.name.trim() || 'Passkey' })
          .where('id', '=', req.params.id)
          .where('user_id', '=', auth.user.id)
          .returning(['id', 'name', 'created_at', 'last_used_at'])
          .executeTakeFirst();
        if (!row) throw new ApiError(404, 'not_found', 'That passkey was not found.');
        await audit(trx, auditSource(req), {
          action: 'update',
          resourceType: 'MfaFactor',
          resourceId: auth.user.id,
          details: { factor: 'passkey', passkeyId: row.id, change: 'renamed' },
        });
        return row;
      });
      return { passkey: toPasskey(row) };
    },
  );

  app.delete(
    '/api/account/passkeys/:id',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Remove a passkey (needs a recent step-up)',
        description: 'Staff cannot remove their last second factor (409 last_factor).',
        params: Type.Object({ id: B64URL }),
        response: { 204: Type.Null(), 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req, reply) => {
      requireRecentAuth(req);
      const auth = req.auth as Auth;
      await db.transaction().execute(async (trx) => {
        const f = await lockFactors(trx, auth.user.id);
        const gone = await trx
          .deleteFrom('passkeys')
          .where('id', '=', req.params.id)
          .where('user_id', '=', auth.user.id)
          .executeTakeFirst();
        if (Number(gone.numDeletedRows) !== 1)
          throw new ApiError(404, 'not_found', 'That passkey was not found.');
        const remaining = f.passkeys - 1 + (f.totp ? 1 : 0);
        refuseLastStaffFactor(auth, remaining);
        if (remaining === 0) await dropRecoveryCodes(trx, auth.user.id);
        await audit(trx, auditSource(req), {
          action: 'delete',
          resourceType: 'MfaFactor',
          resourceId: auth.user.id,
          details: { factor: 'passkey', passkeyId: req.params.id },
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/session/passkey/options',
    {
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Start signing in with a passkey: options for the browser',
        description:
          'Asks for no e-mail, so it tells nobody who has an account: the browser offers the ' +
          'passkeys it holds for this site. Part-way through signing in (or for a step-up), ' +
          "the options name the session's own passkeys.",
        body: Type.Object({}, { additionalProperties: false }),
        response: {
          200: WebAuthnOptions('pass to startAuthentication({ optionsJSON })'),
          429: ErrorResponse,
        },
      },
      // No body at all is the same as {} (a page offering passkeys before any e-mail is typed).
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req, reply) => {
      await refuseIfIpLocked(deps, req, reply);
      return authenticationOptions(db, config, req.auth?.user.id ?? null);
    },
  );

  app.post(
    '/api/session/passkey',
    {
      config: { access: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign in with a passkey (or finish signing in, or step up)',
        description:
          "With no session, or another person's: starts a complete session (the passkey, " +
          "unlocked by PIN or biometrics, is two factors). With this person's session: " +
          'completes the second factor, or counts as a step-up. Sets a new cookie.',
        body: Type.Object(
          { credential: AuthenticationCredential },
          { additionalProperties: false },
        ),
        response: { 200: SignInResult, 401: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      const reservation = await reserveIpAttempt(deps, req, reply);
      const response = req.body.credential as AuthenticationResponseJSON;
      // This person's own session: the passkey finishes it or steps it up.
      const sameUser = req.auth ? await ownsPasskey(deps, req.auth.user.id, response.id) : false;
      const check = await checkPasskey(db, config, response, !sameUser);
      if (!check.ok)
        return passkeyFailure(deps, req, reply, reservation, check.reason, check.userId);
      const token = await db.transaction().execute(async (trx) => {
        if (sameUser) return completeSecondFactor(trx, req, 'passkey', reservation);
        await releaseAttempt(trx, reservation);
        const user = await trx
          .selectFrom('users')
          .select('email')
          .where('id', '=', check.userId)
          .executeTakeFirstOrThrow();
        const roles = await trx
          .selectFrom('user_roles')
          .select('role')
          .where('user_id', '=', check.userId)
          .execute();
        const session = await startSession(
          trx,
          config,
          req,
          check.userId,
          roles.map((r) => r.role),
          true,
        );
        await clearFailures(trx, user.email);
        await audit(
          trx,
          signInSource(
            req,
            roles.map((r) => r.role),
          ),
          {
            action: 'sign_in',
            actorUserId: check.userId,
            resourceType: 'Session',
            resourceId: session.id,
            details: { factor: 'passkey', passkeyId: check.passkeyId },
          },
        );
        return session.token;
      });
      setSessionCookie(reply, config, token);
      return { next: 'done' as const, methods: [] };
    },
  );
};

function toPasskey(row: { id: string; name: string; created_at: Date; last_used_at: Date | null }) {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

async function ownsPasskey({ db }: ModuleDeps, userId: string, passkeyId: string) {
  const row = await db
    .selectFrom('passkeys')
    .select('id')
    .where('id', '=', passkeyId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return !!row;
}

async function refuseIfIpLocked({ db }: ModuleDeps, req: FastifyRequest, reply: FastifyReply) {
  const until = await lockedUntil(db, [ipKey(req.ip)]);
  if (until) throw locked(reply, until);
}

/** Holds the attempt on the IP's counter before the answer is checked (refused while locked). */
async function reserveIpAttempt({ db }: ModuleDeps, req: FastifyRequest, reply: FastifyReply) {
  const held = await reserveAttempt(db, null, req.ip);
  if (!held.ok) throw locked(reply, held.until);
  return held.reservation;
}

/** A passkey that does not work: audited, and counted against the IP (it cannot be guessed). */
async function passkeyFailure(
  { db }: ModuleDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  reservation: Reservation,
  reason: string,
  userId: string | null,
): Promise<never> {
  const lock = await db.transaction().execute((trx) =>
    countFailure(trx, signInSource(req), {
      reservation,
      actorUserId: userId,
      details: { factor: 'passkey', reason },
    }),
  );
  throw lock ? locked(reply, lock.until) : passkeyFailed();
}
