// The patient's side of activation: check the code with the date of birth,
// then create the account and sign in, in one step that cannot half-happen.
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { type AuditSource, audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import {
  createSession,
  endSession,
  idleMinutesFor,
  sessionCookieName,
  sessionCookieOptions,
} from '../../platform/auth/sessions.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import {
  checkActivationCode,
  createPatientAccount,
  emailTaken,
  emailTakenError,
} from './activation.ts';
import { hashPassword, requireStrongPassword } from './passwords.ts';
import { enforceLimit } from './request-limits.ts';
import { ipKey } from './throttle.ts';

/** Attempts per IP, checks and activations together. */
const ATTEMPTS = { max: 10, windowMinutes: 15 };

const CodeAndBirthDate = {
  code: Type.String({ minLength: 1, maxLength: 40, description: 'as printed: XXXX-XXXX-XXXX' }),
  birthDate: Type.String({ format: 'date', description: 'YYYY-MM-DD' }),
};

const CheckBody = Type.Object(CodeAndBirthDate, { additionalProperties: false });

const ActivateBody = Type.Object(
  {
    ...CodeAndBirthDate,
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('es')])),
  },
  { additionalProperties: false },
);

const errors = { 400: ErrorResponse, 409: ErrorResponse, 429: ErrorResponse };

export const activationRoutes: ModuleRoutes = async (app, { db, config }) => {
  app.post(
    '/api/activation/check',
    {
      config: { access: 'public' },
      schema: {
        tags: ['activation'],
        summary: 'Check an activation code with the date of birth, before choosing a password',
        body: CheckBody,
        response: { 200: Type.Object({ ok: Type.Literal(true) }), ...errors },
      },
    },
    async (req) => {
      await enforceLimit(db, `activation:${ipKey(req.ip)}`, ATTEMPTS);
      const code = await checkActivationCode(db, auditSource(req), req.body);
      await audit(db, auditSource(req), {
        action: 'view',
        resourceType: 'ActivationCode',
        resourceId: code.id,
        patientId: code.patientId,
      });
      return { ok: true as const };
    },
  );

  app.post(
    '/api/activation',
    {
      config: { access: 'public' },
      schema: {
        tags: ['activation'],
        summary: 'Create the account with an activation code and sign in',
        body: ActivateBody,
        response: {
          200: Type.Object({
            next: Type.Literal('offer-mfa', { description: 'offer TOTP or a passkey next' }),
          }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      await enforceLimit(db, `activation:${ipKey(req.ip)}`, ATTEMPTS);
      const source = auditSource(req);
      const code = await checkActivationCode(db, source, req.body);
      const email = req.body.email.trim().toLowerCase();
      requireStrongPassword(req.body.password, [email, code.givenName, code.familyName]);
      if (await emailTaken(db, email)) throw emailTakenError();
      // Hashing is slow on purpose: done before the transaction opens.
      const passwordHash = await hashPassword(req.body.password);
      const previous = req.auth?.session.id;
      const session = await db
        .transaction()
        .execute(async (trx) => {
          const userId = await createPatientAccount(trx, source, code, {
            email,
            passwordHash,
            language: req.body.language ?? code.language,
          });
          if (previous) await endSession(trx, previous, 'sign_out');
          return signIn(trx, source, userId, {
            idleMinutes: idleMinutesFor(config, ['patient']),
            maxHours: config.sessionMaxHours,
          });
        })
        .catch(uniqueEmail);
      reply.setCookie(sessionCookieName(config), session.token, sessionCookieOptions(config));
      return { next: 'offer-mfa' as const };
    },
  );
};

async function signIn(
  trx: Kysely<Schema>,
  source: AuditSource,
  userId: string,
  limits: { idleMinutes: number; maxHours: number },
) {
  const session = await createSession(trx, {
    userId,
    ...limits,
    mfaVerified: false,
    ip: source.ip,
    userAgent: source.userAgent,
  });
  await audit(trx, source, {
    action: 'sign_in',
    resourceType: 'Session',
    resourceId: session.id,
    actorUserId: userId,
    details: { method: 'activation' },
  });
  return session;
}

/** Two activations racing for one address: the loser hears what a late one would. */
function uniqueEmail(err: unknown): never {
  if ((err as { code?: string }).code === '23505') throw emailTakenError();
  throw err;
}
