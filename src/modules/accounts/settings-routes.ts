// The account page: who I am, my language, my second factors, and (from the
// files beside this one) my password, e-mail, sessions and who saw my record.
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { auditSource, hasRole } from '../../platform/auth/context.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { accessLogRoutes } from './access-log-routes.ts';
import { accountSessionRoutes } from './account-sessions-routes.ts';
import { credentialRoutes } from './credential-routes.ts';
import { STAFF_ROLES } from './tables.ts';

const Language = Type.Union([Type.Literal('en'), Type.Literal('es')]);

export const Account = Type.Object({
  email: Type.String(),
  displayName: Type.String(),
  language: Language,
  mfa: Type.Object({
    totp: Type.Boolean(),
    passkeys: Type.Integer(),
    recoveryCodesLeft: Type.Integer(),
    declined: Type.Boolean(),
  }),
  patientId: Type.Union([Type.String(), Type.Null()]),
});

const AccountChange = Type.Object(
  {
    language: Type.Optional(Language),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const settingsRoutes: ModuleRoutes = async (app, deps) => {
  const { db } = deps;
  app.get(
    '/api/account',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'My account: e-mail, name, language and second factors',
        response: { 200: Account },
      },
    },
    async (req) => readAccount(db, req.auth?.user.id ?? ''),
  );

  app.patch(
    '/api/account',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary:
          'Change my language (the language of mails too), or my display name (patients and caregivers)',
        body: AccountChange,
        response: { 200: Account, 400: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (req) => {
      const userId = req.auth?.user.id ?? '';
      const displayName = req.body.displayName?.trim();
      if (displayName === '')
        throw new ApiError(400, 'validation_failed', 'displayName: must not be blank');
      // Patients read staff names in "who accessed my record": a staff member
      // who could rename themselves could pass as a colleague. Sending the
      // name unchanged (the settings form does) is fine.
      const renaming = displayName !== undefined && displayName !== req.auth?.user.displayName;
      if (renaming && hasRole(req.auth, ...STAFF_ROLES)) {
        await audit(db, auditSource(req), {
          action: 'access_denied',
          outcome: 'failure',
          resourceType: 'Account',
          resourceId: userId,
          details: { attempted: 'update', fields: ['displayName'] },
        });
        throw new ApiError(
          403,
          'staff_name_managed',
          'Staff names are changed by an administrator: ask yours to correct your name.',
        );
      }
      const changes = {
        ...(req.body.language ? { language: req.body.language } : {}),
        ...(displayName ? { display_name: displayName } : {}),
      };
      if (Object.keys(changes).length > 0)
        await db.transaction().execute(async (trx) => {
          await trx.updateTable('users').set(changes).where('id', '=', userId).execute();
          await audit(trx, auditSource(req), {
            action: 'update',
            resourceType: 'Account',
            resourceId: userId,
            details: { fields: Object.keys(req.body).sort() },
          });
        });
      return readAccount(db, userId);
    },
  );

  await app.register(credentialRoutes, deps);
  await app.register(accountSessionRoutes, deps);
  await app.register(accessLogRoutes, deps);
};

async function readAccount(db: Kysely<Schema>, userId: string) {
  const user = await db
    .selectFrom('users')
    .select((eb) => [
      'email',
      'display_name',
      'language',
      'patient_id',
      'totp_enabled_at',
      'mfa_declined_at',
      eb
        .selectFrom('passkeys')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('passkeys.user_id', '=', 'users.id')
        .as('passkeys'),
      eb
        .selectFrom('recovery_codes')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('recovery_codes.user_id', '=', 'users.id')
        .where('recovery_codes.used_at', 'is', null)
        .as('recovery_codes_left'),
    ])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return {
    email: user.email,
    displayName: user.display_name,
    language: user.language,
    mfa: {
      totp: user.totp_enabled_at !== null,
      passkeys: Number(user.passkeys ?? 0),
      recoveryCodesLeft: Number(user.recovery_codes_left ?? 0),
      declined: user.mfa_declined_at !== null,
    },
    patientId: user.patient_id,
  };
}
