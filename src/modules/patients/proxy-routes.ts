// Proxy access. Staff grant and revoke it; the caregiver lists whom they may
// act for and switches the session between their own record and each
// dependent's. The switch is a privilege change: new session token, audited,
// and every later audit row of the session names the patient acted for.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { type AuditEntry, audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { activeProxyGrants, isUuid, requirePatient } from '../../platform/auth/scope.ts';
import {
  rotateSession,
  sessionCookieName,
  sessionCookieOptions,
} from '../../platform/auth/sessions.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import { ErrorResponse } from '../../platform/http/errors.ts';
import type { ModuleRoutes } from '../../platform/http/module.ts';
import type { Role } from '../accounts/tables.ts';
import { Nullable, PatientName, RelationshipSchema, Uuid } from './model.ts';
import { dependentsOf, grantProxy, revokeProxy } from './proxies.ts';

const GRANTER_ROLES: readonly Role[] = ['front_desk', 'clinic_admin'];
const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

export const proxyRoutes: ModuleRoutes = async (app, { db, config }) => {
  app.post(
    '/api/staff/patients/:patientId/proxies',
    {
      config: { access: { roles: GRANTER_ROLES } },
      schema: {
        tags: ['staff'],
        summary: "Let a caregiver's existing account act for the patient until a date",
        params: Type.Object({ patientId: Uuid }),
        body: Type.Object(
          {
            proxyEmail: Type.String({ format: 'email', maxLength: 254 }),
            relationship: RelationshipSchema,
            expiresAt: Type.String({
              format: 'date-time',
              description: 'in the future, at most 5 years; a parent of a minor: until 18',
            }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ id: Uuid, proxyUserId: Uuid }),
          ...errors,
          409: ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      const patientId = await requirePatient(db, req, req.params.patientId, {
        resourceType: 'ProxyGrant',
        action: 'create',
      });
      const entry = { resourceType: 'ProxyGrant', patientId, action: 'privilege_change' } as const;
      const grant = await auditedFailure(db, req, entry, () =>
        db.transaction().execute(async (trx) => {
          const g = await grantProxy(trx, {
            ...req.body,
            patientId,
            expiresAt: new Date(req.body.expiresAt),
            grantedBy: (req.auth as Auth).user.id,
          });
          await audit(trx, auditSource(req), {
            ...entry,
            resourceId: g.id,
            details: {
              change: 'proxy_granted',
              proxyUserId: g.proxy_user_id,
              relationship: req.body.relationship,
              expiresAt: req.body.expiresAt,
            },
          });
          return g;
        }),
      );
      return reply.status(201).send({ id: grant.id, proxyUserId: grant.proxy_user_id });
    },
  );

  app.delete(
    '/api/staff/patients/:patientId/proxies/:grantId',
    {
      config: { access: { roles: GRANTER_ROLES } },
      schema: {
        tags: ['staff'],
        summary: 'Revoke a proxy grant at once',
        params: Type.Object({ patientId: Uuid, grantId: Uuid }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      const patientId = await requirePatient(db, req, req.params.patientId, {
        resourceType: 'ProxyGrant',
        action: 'delete',
      });
      await db.transaction().execute(async (trx) => {
        const g = await revokeProxy(trx, patientId, req.params.grantId);
        await audit(trx, auditSource(req), {
          action: 'privilege_change',
          resourceType: 'ProxyGrant',
          resourceId: g.id,
          patientId,
          details: { change: 'proxy_revoked', proxyUserId: g.proxy_user_id },
        });
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/account/dependents',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['account'],
        summary: 'Your own record and the patients you may act for now',
        response: {
          200: Type.Object({
            self: Nullable(Type.Object({ patientId: Uuid, name: PatientName })),
            dependents: Type.Array(
              Type.Object({
                patientId: Uuid,
                name: PatientName,
                relationship: RelationshipSchema,
                expiresAt: Type.String({ format: 'date-time' }),
              }),
            ),
            actingForPatientId: Nullable(Uuid),
          }),
        },
      },
    },
    async (req) => {
      const auth = req.auth as Auth;
      return db.transaction().execute(async (trx) => {
        const list = await dependentsOf(trx, auth.user);
        await audit(trx, auditSource(req), {
          action: 'query',
          resourceType: 'ProxyGrant',
          details: { resultCount: list.dependents.length },
        });
        return { ...list, actingForPatientId: auth.session.acting_for_patient_id };
      });
    },
  );

  app.post(
    '/api/session/acting-for',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['session'],
        summary: 'Act for a dependent (their patient id) or for yourself again (null)',
        body: Type.Object({ patientId: Nullable(Uuid) }, { additionalProperties: false }),
        response: { 200: Type.Object({ actingForPatientId: Nullable(Uuid) }), ...errors },
      },
    },
    async (req, reply) => {
      const auth = req.auth as Auth;
      const target = await actingForTarget(db, req, req.body.patientId);
      const token = await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('sessions')
          .set({ acting_for_patient_id: target })
          .where('id', '=', auth.session.id)
          .execute();
        const rotated = await rotateSession(trx, auth.session.id);
        await audit(
          trx,
          { ...auditSource(req), actingForPatientId: target },
          {
            action: 'privilege_change',
            resourceType: 'Session',
            resourceId: auth.session.id,
            patientId: target,
            details: { change: 'acting_for', from: auth.session.acting_for_patient_id },
          },
        );
        return rotated;
      });
      reply.setCookie(sessionCookieName(config), token, sessionCookieOptions(config));
      return { actingForPatientId: target };
    },
  );
};

/**
 * Whom the session will act for: null for one's own record, else a patient
 * with an active grant. Anything else is refused, audited, as not found.
 */
async function actingForTarget(db: Kysely<Schema>, req: FastifyRequest, patientId: string | null) {
  const auth = req.auth as Auth;
  if (patientId === null || patientId === auth.user.patientId) return null;
  const grants = await activeProxyGrants(db, auth.user.id);
  if (grants.some((g) => g.patient_id === patientId)) return patientId;
  await audit(db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: 'Session',
    patientId: isUuid(patientId) ? patientId : null,
    details: { attempted: 'acting_for' },
  });
  throw new ApiError(404, 'not_found', 'You have no current access to that record.');
}

/** Runs a privilege change; a refused one is audited as a failure (its transaction is gone). */
async function auditedFailure<T>(
  db: Kysely<Schema>,
  req: FastifyRequest,
  entry: AuditEntry,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ApiError)
      await audit(db, auditSource(req), {
        ...entry,
        outcome: 'failure',
        details: { reason: err.code },
      });
    throw err;
  }
}
