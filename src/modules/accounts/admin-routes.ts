// The accounts desk: accounts locked after failed sign-ins, and unlocking
// them. Clinic admins see patients registered at their clinics and staff of
// their clinics; support agents and system admins see every account.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { staffClinicIds } from '../../platform/auth/scope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import { ROLES, type Role } from './tables.ts';
import { unlockAccount } from './throttle.ts';

type Db = Kysely<Schema>;
const DESK_ROLES: readonly Role[] = ['support_agent', 'clinic_admin', 'system_admin'];

const LockedAccount = Type.Object({
  userId: Type.String({ format: 'uuid' }),
  email: Type.String(),
  displayName: Type.String(),
  roles: Type.Array(Type.Unsafe<Role>(Type.String({ enum: [...ROLES] }))),
  patientId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  lockedUntil: Type.String({ format: 'date-time' }),
  failedSignIns: Type.Integer(),
});

/** Accounts the desk member may see, as a filter on users `u`. */
function visibleTo(auth: Auth) {
  const clinics = staffClinicIds(auth, DESK_ROLES);
  return (q: ReturnType<typeof lockedBase>) =>
    clinics === 'all'
      ? q
      : q.where((eb) =>
          eb.or([
            eb.exists(
              eb
                .selectFrom('patient_clinics as r')
                .select('r.patient_id')
                .whereRef('r.patient_id', '=', 'u.patient_id')
                .where('r.clinic_id', 'in', clinics),
            ),
            eb.exists(
              eb
                .selectFrom('user_roles as s')
                .select('s.user_id')
                .whereRef('s.user_id', '=', 'u.id')
                .where('s.clinic_id', 'in', clinics),
            ),
          ]),
        );
}

const lockedBase = (db: Db) =>
  db
    .selectFrom('users as u')
    .select([
      'u.id',
      'u.email',
      'u.display_name',
      'u.patient_id',
      'u.failed_sign_ins',
      'u.locked_until',
    ]);

async function lockedAccounts(db: Db, auth: Auth) {
  const rows = await visibleTo(auth)(lockedBase(db))
    .where('u.locked_until', '>', new Date())
    .orderBy('u.locked_until', 'desc')
    .limit(500)
    .execute();
  const roles = rows.length
    ? await db
        .selectFrom('user_roles')
        .select(['user_id', 'role'])
        .where(
          'user_id',
          'in',
          rows.map((r) => r.id),
        )
        .execute()
    : [];
  return rows.map((r) => ({
    userId: r.id,
    email: r.email,
    displayName: r.display_name,
    roles: [...new Set(roles.filter((g) => g.user_id === r.id).map((g) => g.role))],
    patientId: r.patient_id,
    lockedUntil: (r.locked_until as Date).toISOString(),
    failedSignIns: r.failed_sign_ins,
  }));
}

export const accountAdminRoutes: ModuleRoutes = async (app, { db }) => {
  app.get(
    '/api/staff/locked-accounts',
    {
      config: { access: { roles: DESK_ROLES } },
      schema: {
        tags: ['staff'],
        summary: 'Accounts locked after failed sign-ins, that you may unlock',
        response: { 200: Type.Object({ accounts: Type.Array(LockedAccount) }) },
      },
    },
    async (req) =>
      db.transaction().execute(async (trx) => {
        const accounts = await lockedAccounts(trx, req.auth as Auth);
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: 'User',
          details: { resultCount: accounts.length, filter: 'locked' },
        });
        return { accounts };
      }),
  );

  app.post(
    '/api/staff/accounts/:userId/unlock',
    {
      config: { access: { roles: DESK_ROLES } },
      schema: {
        tags: ['staff'],
        summary: 'Unlock an account now, after checking who is asking',
        params: Type.Object({ userId: Type.String({ format: 'uuid' }) }),
        response: {
          200: Type.Object({ unlocked: Type.Boolean() }),
          403: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (req) => {
      const user = await requireVisibleUser(db, req, req.params.userId);
      await db.transaction().execute(async (trx) => {
        await unlockAccount(trx, user.id);
        await audit(trx, auditSource(req), {
          action: 'unlock',
          resourceType: 'User',
          resourceId: user.id,
          patientId: user.patient_id,
        });
      });
      return { unlocked: true };
    },
  );
};

/** The account, if the desk member may see it; otherwise an audited 404. */
async function requireVisibleUser(db: Db, req: FastifyRequest, userId: string) {
  const user = await visibleTo(req.auth as Auth)(lockedBase(db))
    .where('u.id', '=', userId)
    .executeTakeFirst();
  if (user) return user;
  await audit(db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: 'User',
    resourceId: userId,
    details: { attempted: 'unlock' },
  });
  throw new ApiError(404, 'not_found', 'That account was not found.');
}
