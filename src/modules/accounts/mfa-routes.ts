// Second factors: the challenge at sign-in (TOTP or a recovery code), setting
// up and removing the authenticator app, new recovery codes, and a patient's
// choice to go without.
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { requireRecentAuth } from '../../platform/auth/step-up.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import {
  factorsOf,
  isEnrolled,
  isStaff,
  lockFactors,
  refuseLastStaffFactor,
  requireMayAddFactor,
} from './factors.ts';
import {
  dropRecoveryCodes,
  RECOVERY_CODE_COUNT,
  recoveryCodesLeft,
  redeemRecoveryCode,
  replaceRecoveryCodes,
} from './recovery-codes.ts';
import {
  completeSecondFactor,
  markSecondFactorDone,
  reserveCodeAttempt,
  secondFactorFailed,
  setSessionCookie,
} from './sign-in.ts';
import {
  acceptTotpCode,
  newTotpSecret,
  openSecret,
  otpauthUri,
  qrSvg,
  sealSecret,
  totpStep,
} from './totp.ts';

const ChallengeBody = Type.Object(
  {
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 12, description: '6 digits' })),
    recoveryCode: Type.Optional(
      Type.String({ minLength: 1, maxLength: 20, description: 'xxxx-xxxx-xx' }),
    ),
  },
  { additionalProperties: false, description: 'either code (authenticator app) or recoveryCode' },
);

const CodeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 12, description: '6 digits from the app' }) },
  { additionalProperties: false },
);

const RecoveryCodes = Type.Object({
  recoveryCodes: Type.Array(Type.String(), {
    minItems: RECOVERY_CODE_COUNT,
    maxItems: RECOVERY_CODE_COUNT,
    description: 'shown once: the person should print or save them now',
  }),
});

const MfaStatus = Type.Object({
  totp: Type.Boolean(),
  passkeys: Type.Integer(),
  recoveryCodesLeft: Type.Integer(),
  declined: Type.Boolean(),
  required: Type.Boolean({ description: 'staff must keep at least one factor' }),
});

export const mfaRoutes: ModuleRoutes = async (app, { db, config }) => {
  app.post(
    '/api/session/mfa',
    {
      config: { access: 'signing-in' },
      schema: {
        tags: ['session'],
        summary: 'Answer the second-factor challenge with a TOTP code or a recovery code',
        description:
          'Completes the sign-in and gives the session a new cookie. Five wrong codes end the ' +
          'session (401 session_ended); wrong codes also count towards the account lock.',
        body: ChallengeBody,
        response: {
          200: Type.Object({ next: Type.Literal('done'), recoveryCodesLeft: Type.Integer() }),
          400: ErrorResponse,
          401: ErrorResponse,
          409: ErrorResponse,
          429: ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      const auth = req.auth as Auth;
      const { code, recoveryCode } = req.body;
      if ((code === undefined) === (recoveryCode === undefined))
        throw new ApiError(
          400,
          'code_or_recovery_code',
          'Enter the code from your authenticator app, or one of your recovery codes.',
        );
      if (auth.session.mfa_verified_at)
        throw new ApiError(409, 'already_verified', 'You have already finished signing in.');
      if (!auth.user.mfaEnrolled)
        throw new ApiError(409, 'mfa_not_enrolled', 'Set up a second factor first.');
      const factor = code !== undefined ? 'totp' : 'recovery';
      const attempt = await reserveCodeAttempt(db, config, req, reply, factor, false);
      const token = await db.transaction().execute(async (trx) => {
        const ok =
          code !== undefined
            ? await acceptTotpCode(trx, config, auth.user.id, code)
            : await redeemRecoveryCode(trx, auth.user.id, recoveryCode as string);
        return ok ? completeSecondFactor(trx, req, factor, attempt.reservation) : null;
      });
      if (!token) return secondFactorFailed(db, config, req, reply, factor, attempt);
      setSessionCookie(reply, config, token);
      return {
        next: 'done' as const,
        recoveryCodesLeft: await recoveryCodesLeft(db, auth.user.id),
      };
    },
  );

  app.post(
    '/api/session/mfa/decline',
    {
      config: { access: { roles: ['patient', 'proxy'] } },
      schema: {
        tags: ['session'],
        summary: 'A patient or caregiver chooses not to set up a second factor',
        description: 'Sign-in stops offering it; it can still be set up later in settings.',
        response: { 204: Type.Null(), 403: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req, reply) => {
      const auth = req.auth as Auth;
      if (isStaff(auth.roles.map((g) => g.role)))
        throw new ApiError(403, 'mfa_required', 'Staff accounts must use a second factor.');
      if (auth.user.mfaEnrolled)
        throw new ApiError(409, 'mfa_enrolled', 'You already use a second factor.');
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ mfa_declined_at: new Date() })
          .where('id', '=', auth.user.id)
          .execute();
        await audit(trx, auditSource(req), {
          action: 'update',
          resourceType: 'MfaFactor',
          resourceId: auth.user.id,
          details: { decision: 'declined' },
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/account/mfa',
    {
      exposeHeadRoute: false, // HEAD only beside public GETs
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Your second factors: authenticator app, passkeys, recovery codes left',
        response: { 200: MfaStatus },
      },
    },
    async (req) => {
      const auth = req.auth as Auth;
      const f = await factorsOf(db, auth.user.id);
      return {
        totp: f.totp,
        passkeys: f.passkeys,
        recoveryCodesLeft: f.recoveryCodesLeft,
        declined: auth.user.mfaDeclined,
        required: isStaff(auth.roles.map((g) => g.role)),
      };
    },
  );

  app.post(
    '/api/account/mfa/totp',
    {
      config: { access: 'signing-in' },
      schema: {
        tags: ['account'],
        summary: 'Start setting up an authenticator app: a secret and its QR code',
        description:
          'Staff enrol here while signing in. Anyone who already has a second factor, or ' +
          'whose sign-in is complete, needs a recent step-up (401 reauthentication_required). ' +
          'Finish with POST /api/account/mfa/totp/confirm.',
        response: {
          200: Type.Object({
            secret: Type.String({ description: 'base32, for typing into the app by hand' }),
            otpauthUri: Type.String(),
            qrSvg: Type.String({ description: 'an SVG image of otpauthUri' }),
          }),
          401: ErrorResponse,
        },
      },
    },
    async (req) => {
      const auth = requireMayAddFactor(req);
      const secret = newTotpSecret();
      await db
        .updateTable('users')
        .set({ totp_pending_secret: sealSecret(config, secret) })
        .where('id', '=', auth.user.id)
        .execute();
      const uri = otpauthUri(secret, auth.user.email);
      return { secret, otpauthUri: uri, qrSvg: await qrSvg(uri) };
    },
  );

  app.post(
    '/api/account/mfa/totp/confirm',
    {
      config: { access: 'signing-in' },
      schema: {
        tags: ['account'],
        summary: 'Finish setting up the authenticator app with its first code',
        description:
          'Turns TOTP on, completes the sign-in (new cookie) and returns 10 new recovery codes, ' +
          'shown only this once; earlier recovery codes stop working.',
        body: CodeBody,
        response: {
          200: RecoveryCodes,
          400: ErrorResponse,
          401: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      const auth = req.auth as Auth;
      if (auth.user.mfaEnrolled && !auth.complete)
        throw new ApiError(
          401,
          'second_factor_required',
          'Finish signing in with your second factor first.',
        );
      const user = await db
        .selectFrom('users')
        .select('totp_pending_secret')
        .where('id', '=', auth.user.id)
        .executeTakeFirstOrThrow();
      if (!user.totp_pending_secret)
        throw new ApiError(409, 'no_enrolment', 'Start setting up the authenticator app first.');
      const step = totpStep(openSecret(config, user.totp_pending_secret), req.body.code, null);
      if (step === null)
        throw new ApiError(
          400,
          'invalid_code',
          'That code is not right. Check the clock on your phone and enter the newest code.',
        );
      const { codes, token } = await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({
            totp_secret: user.totp_pending_secret,
            totp_pending_secret: null,
            totp_enabled_at: new Date(),
            totp_last_step: step,
          })
          .where('id', '=', auth.user.id)
          .execute();
        const codes = await replaceRecoveryCodes(trx, auth.user.id);
        await audit(trx, auditSource(req), {
          action: 'update',
          resourceType: 'MfaFactor',
          resourceId: auth.user.id,
          details: { factor: 'totp', change: 'enabled', recoveryCodes: 'replaced' },
        });
        return { codes, token: await markSecondFactorDone(trx, auth.session.id) };
      });
      setSessionCookie(reply, config, token);
      return { recoveryCodes: codes };
    },
  );

  app.delete(
    '/api/account/mfa/totp',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Turn the authenticator app off (needs a recent step-up)',
        description: 'Staff cannot remove their last second factor (409 last_factor).',
        response: { 204: Type.Null(), 401: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req, reply) => {
      requireRecentAuth(req);
      const auth = req.auth as Auth;
      await db.transaction().execute(async (trx) => {
        const f = await lockFactors(trx, auth.user.id);
        if (!f.totp)
          throw new ApiError(409, 'not_enrolled', 'The authenticator app is not set up.');
        refuseLastStaffFactor(auth, f.passkeys);
        await trx
          .updateTable('users')
          .set({
            totp_secret: null,
            totp_pending_secret: null,
            totp_enabled_at: null,
            totp_last_step: null,
          })
          .where('id', '=', auth.user.id)
          .execute();
        // Without any factor left, recovery codes would recover nothing.
        if (f.passkeys === 0) await dropRecoveryCodes(trx, auth.user.id);
        await audit(trx, auditSource(req), {
          action: 'delete',
          resourceType: 'MfaFactor',
          resourceId: auth.user.id,
          details: { factor: 'totp' },
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/account/mfa/recovery-codes',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'New recovery codes (needs a recent step-up); the old ones stop working',
        response: { 200: RecoveryCodes, 401: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req) => {
      requireRecentAuth(req);
      const auth = req.auth as Auth;
      if (!isEnrolled(await factorsOf(db, auth.user.id)))
        throw new ApiError(409, 'mfa_not_enrolled', 'Set up a second factor first.');
      const codes = await db.transaction().execute(async (trx) => {
        const codes = await replaceRecoveryCodes(trx, auth.user.id);
        await audit(trx, auditSource(req), {
          action: 'update',
          resourceType: 'MfaFactor',
          resourceId: auth.user.id,
          details: { factor: 'recovery', change: 'replaced' },
        });
        return codes;
      });
      return { recoveryCodes: codes };
    },
  );
};
