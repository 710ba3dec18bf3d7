// Forgot password: a single-use link by e-mail. The answer and the work done
// are the same whether or not the address has an account, so the form tells
// no one who has one.
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { type AuditSource, audit } from '../../platform/audit/audit.ts';
import { auditSource } from '../../platform/auth/context.ts';
import { endUserSessions } from '../../platform/auth/sessions.ts';
import { hashToken, newToken } from '../../platform/crypto/crypto.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { nudgeMailSender, queueMail } from '../../platform/mail/mail.ts';
import { mailTexts } from '../../platform/mail/messages.ts';
import {
  dropUnusedTokens,
  findOneTimeToken,
  invalidToken,
  issueOneTimeToken,
  TOKEN_MINUTES,
  useOneTimeToken,
} from './one-time-tokens.ts';
import { hashPassword, requireStrongPassword } from './passwords.ts';
import { enforceLimit, overLimit } from './request-limits.ts';
import { accountKey, ipKey } from './throttle.ts';

type Db = Kysely<Schema>;

const SENT = 'If an account exists for that address, we sent a link.';
/** Per address: more links than this in an hour are not sent (silently). */
const PER_EMAIL = { max: 3, windowMinutes: 60 };
/** Per IP: more requests than this are refused outright. */
const PER_IP = { max: 20, windowMinutes: 60 };

const Message = Type.Object({ message: Type.String() });

export const recoveryRoutes: ModuleRoutes = async (app, { db, config, jobs }) => {
  app.post(
    '/api/password/forgot',
    {
      config: { access: 'public' },
      schema: {
        tags: ['password'],
        summary: 'Mail a password reset link, if the address has an account',
        body: Type.Object(
          { email: Type.String({ format: 'email', maxLength: 254 }) },
          { additionalProperties: false },
        ),
        response: { 202: Message, 400: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      await enforceLimit(db, `forgot:${ipKey(req.ip)}`, PER_IP);
      const email = req.body.email.trim().toLowerCase();
      const throttled = await overLimit(db, `forgot:email:${email}`, PER_EMAIL);
      const user = await db
        .selectFrom('users')
        .select(['id', 'language'])
        .where('email', '=', email)
        .where('status', '=', 'active')
        .executeTakeFirst();
      await db.transaction().execute(async (trx) => {
        if (user && !throttled) await mailResetLink(trx, config.publicUrl, user, email);
        else await decoy(trx);
        await audit(trx, auditSource(req), {
          action: 'create',
          resourceType: 'PasswordReset',
          outcome: user && !throttled ? 'success' : 'failure',
          actorUserId: user?.id ?? null,
          ...(user && !throttled ? {} : { details: { reason: user ? 'throttled' : 'no_account' } }),
        });
      });
      await nudgeMailSender(jobs, config);
      return reply.status(202).send({ message: SENT });
    },
  );

  app.post(
    '/api/password/reset',
    {
      config: { access: 'public' },
      schema: {
        tags: ['password'],
        summary: 'Set a new password with the token from a reset link; ends every session',
        body: Type.Object(
          {
            token: Type.String({ minLength: 1, maxLength: 200 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Message, 400: ErrorResponse },
      },
    },
    async (req) => {
      const source = auditSource(req);
      const found = await findOneTimeToken(db, req.body.token, 'password_reset');
      if (!found) {
        await audit(db, source, {
          action: 'access_denied',
          outcome: 'failure',
          resourceType: 'PasswordReset',
          details: { reason: 'invalid_token' },
        });
        throw invalidToken('password_reset');
      }
      requireStrongPassword(req.body.password, [found.email, found.display_name]);
      const passwordHash = await hashPassword(req.body.password);
      await db.transaction().execute(async (trx) => {
        if (!(await useOneTimeToken(trx, found.token_hash))) throw invalidToken('password_reset');
        await resetPassword(trx, source, { ...found, passwordHash }, config.publicUrl);
      });
      await nudgeMailSender(jobs, config);
      return { message: 'Your password was changed. Sign in with your new password.' };
    },
  );
};

async function mailResetLink(
  trx: Db,
  publicUrl: string,
  user: { id: string; language: 'en' | 'es' },
  email: string,
) {
  const token = await issueOneTimeToken(trx, { userId: user.id, purpose: 'password_reset' });
  await queueMail(trx, {
    to: email,
    ...mailTexts.passwordReset(user.language, {
      url: `${publicUrl}/reset-password#token=${token}`,
      minutes: TOKEN_MINUTES.password_reset,
    }),
  });
}

/**
 * The same kind of work as sending a link (a token made and hashed, the
 * same delete), so the time taken does not tell whether an account exists.
 */
async function decoy(trx: Db) {
  await trx.deleteFrom('one_time_tokens').where('token_hash', '=', hashToken(newToken())).execute();
}

/** Sets the password, lifts any lockout and ends every session of the account. */
async function resetPassword(
  trx: Db,
  source: AuditSource,
  user: { userId: string; email: string; language: 'en' | 'es'; passwordHash: string },
  publicUrl: string,
) {
  await trx
    .updateTable('users')
    .set({
      password_hash: user.passwordHash,
      password_changed_at: new Date(),
      failed_sign_ins: 0,
      locked_until: null,
    })
    .where('id', '=', user.userId)
    .execute();
  // Whoever can read the mailbox owns the account: a lockout protects nothing now.
  await trx.deleteFrom('sign_in_throttle').where('key', '=', accountKey(user.email)).execute();
  const linksCancelled = await dropUnusedTokens(trx, user.userId);
  const sessionsEnded = await endUserSessions(trx, user.userId, 'password_reset');
  await audit(trx, source, {
    action: 'update',
    resourceType: 'Password',
    resourceId: user.userId,
    actorUserId: user.userId,
    details: { via: 'reset_link', sessionsEnded, linksCancelled },
  });
  await queueMail(trx, {
    to: user.email,
    ...mailTexts.passwordChanged(user.language, { url: publicUrl }),
  });
}
