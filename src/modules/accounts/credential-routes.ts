// Changing the password and the sign-in e-mail: both need a recent
// re-authentication, both tell the old address, and a new address counts
// only once a link sent to it is opened.
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { endUserSessions } from '../../platform/auth/sessions.ts';
import { requireRecentAuth } from '../../platform/auth/step-up.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { nudgeMailSender, queueMail } from '../../platform/mail/mail.ts';
import { mailTexts } from '../../platform/mail/messages.ts';
import { emailTakenError } from './activation.ts';
import {
  dropUnusedTokens,
  findOneTimeToken,
  invalidToken,
  issueOneTimeToken,
  TOKEN_MINUTES,
  useOneTimeToken,
} from './one-time-tokens.ts';
import { hashPassword, requireStrongPassword, verifyPassword } from './passwords.ts';
import { enforceLimit } from './request-limits.ts';

type Db = Kysely<Schema>;

const Message = Type.Object({ message: Type.String() });
const TRIES = { max: 10, windowMinutes: 15 };

export const credentialRoutes: ModuleRoutes = async (app, { db, config, jobs }) => {
  app.put(
    '/api/account/password',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Change my password (needs a recent sign-in); ends my other sessions',
        body: Type.Object(
          {
            currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
            newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ message: Type.String(), otherSessionsEnded: Type.Integer() }),
          400: ErrorResponse,
          401: ErrorResponse,
          429: ErrorResponse,
        },
      },
    },
    async (req) => {
      requireRecentAuth(req);
      const auth = req.auth as NonNullable<typeof req.auth>;
      const source = auditSource(req);
      await enforceLimit(db, `password-change:user:${auth.user.id}`, TRIES);
      const user = await account(db, auth.user.id);
      if (!(await passwordMatches(user.password_hash, req.body.currentPassword))) {
        await audit(db, source, {
          action: 'update',
          outcome: 'failure',
          resourceType: 'Password',
          resourceId: user.id,
          details: { reason: 'wrong_current_password' },
        });
        throw new ApiError(400, 'wrong_password', 'Your current password is not right.');
      }
      requireStrongPassword(req.body.newPassword, [user.email, user.display_name], 'newPassword');
      const passwordHash = await hashPassword(req.body.newPassword);
      const ended = await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, password_changed_at: new Date() })
          .where('id', '=', user.id)
          .execute();
        const n = await endUserSessions(trx, user.id, 'password_change', auth.session.id);
        const linksCancelled = await dropUnusedTokens(trx, user.id);
        await audit(trx, source, {
          action: 'update',
          resourceType: 'Password',
          resourceId: user.id,
          details: { via: 'account_page', sessionsEnded: n, linksCancelled },
        });
        await queueMail(trx, {
          to: user.email,
          ...mailTexts.passwordChanged(user.language, { url: config.publicUrl }),
        });
        return n;
      });
      await nudgeMailSender(jobs, config);
      return { message: 'Your password was changed.', otherSessionsEnded: ended };
    },
  );

  app.post(
    '/api/account/email',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Ask to change my e-mail (needs a recent sign-in); a link goes to the new address',
        body: Type.Object(
          { newEmail: Type.String({ format: 'email', maxLength: 254 }) },
          { additionalProperties: false },
        ),
        response: { 202: Message, 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      requireRecentAuth(req);
      const auth = req.auth as NonNullable<typeof req.auth>;
      await enforceLimit(db, `email-change:user:${auth.user.id}`, TRIES);
      const user = await account(db, auth.user.id);
      const newEmail = req.body.newEmail.trim().toLowerCase();
      if (newEmail === user.email)
        throw new ApiError(
          400,
          'same_email',
          'This is already the e-mail address you sign in with.',
        );
      const holder = await db
        .selectFrom('users')
        .select('language')
        .where('email', '=', newEmail)
        .executeTakeFirst();
      await db.transaction().execute(async (trx) => {
        // A taken address hears so, and nothing else changes; the answer here is the same.
        if (holder)
          await queueMail(trx, {
            to: newEmail,
            ...mailTexts.emailTaken(holder.language, { url: config.publicUrl }),
          });
        else await mailConfirmLink(trx, config.publicUrl, user, newEmail);
        await queueMail(trx, {
          to: user.email,
          ...mailTexts.emailChangeRequested(user.language, { url: config.publicUrl }),
        });
        await audit(trx, auditSource(req), {
          action: 'update',
          resourceType: 'EmailAddress',
          resourceId: user.id,
          details: { step: 'requested', addressTaken: Boolean(holder) },
        });
      });
      await nudgeMailSender(jobs, config);
      return reply.status(202).send({
        message: 'We sent a link to the new address. Your e-mail changes when you open it.',
      });
    },
  );

  app.post(
    '/api/account/email/confirm',
    {
      config: { access: 'public' },
      schema: {
        tags: ['account'],
        summary: 'Confirm a new e-mail address with the token from the link sent to it',
        body: Type.Object(
          { token: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: Message, 400: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req) => {
      const source = auditSource(req);
      const found = await findOneTimeToken(db, req.body.token, 'email_change');
      const newEmail = found?.new_email;
      if (!found || !newEmail) {
        await audit(db, source, {
          action: 'access_denied',
          outcome: 'failure',
          resourceType: 'EmailAddress',
          details: { reason: 'invalid_token' },
        });
        throw invalidToken('email_change');
      }
      await db
        .transaction()
        .execute(async (trx) => {
          if (!(await useOneTimeToken(trx, found.token_hash))) throw invalidToken('email_change');
          const taken = await trx
            .selectFrom('users')
            .select('id')
            .where('email', '=', newEmail)
            .executeTakeFirst();
          if (taken) throw emailTakenError();
          await trx
            .updateTable('users')
            .set({ email: newEmail })
            .where('id', '=', found.userId)
            .execute();
          // A reset link mailed to the old address must not outlive the change.
          await dropUnusedTokens(trx, found.userId);
          await audit(trx, source, {
            action: 'update',
            resourceType: 'EmailAddress',
            resourceId: found.userId,
            actorUserId: found.userId,
            details: { step: 'confirmed' },
          });
          await queueMail(trx, {
            to: found.email,
            ...mailTexts.emailChanged(found.language, { url: config.publicUrl }),
          });
        })
        .catch((err: unknown) => {
          if ((err as { code?: string }).code === '23505') throw emailTakenError();
          throw err;
        });
      await nudgeMailSender(jobs, config);
      return {
        message: 'Your e-mail address was changed. Sign in with the new address from now on.',
      };
    },
  );
};

function account(db: Db, userId: string) {
  return db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'language', 'password_hash'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
}

async function passwordMatches(stored: string | null, given: string): Promise<boolean> {
  if (!stored) return false;
  try {
    return await verifyPassword(stored, given);
  } catch {
    return false;
  }
}

async function mailConfirmLink(
  trx: Db,
  publicUrl: string,
  user: { id: string; language: 'en' | 'es' },
  newEmail: string,
) {
  const token = await issueOneTimeToken(trx, {
    userId: user.id,
    purpose: 'email_change',
    newEmail,
  });
  await queueMail(trx, {
    to: newEmail,
    ...mailTexts.confirmEmail(user.language, {
      url: `${publicUrl}/confirm-email#token=${token}`,
      hours: TOKEN_MINUTES.email_change / 60,
    }),
  });
}
