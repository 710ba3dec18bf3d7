// Who is asking, resolved once per request from the session cookie.
import type { FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { type Role, STAFF_ROLES } from '../../modules/accounts/tables.ts';
import type { AuditSource } from '../audit/audit.ts';
import { PREPARED } from '../db/database.ts';
import type { Schema } from '../db/schema.ts';
import type { SessionRow } from './sessions.ts';

export interface RoleGrant {
  role: Role;
  /** null: the whole group. */
  clinicId: string | null;
}

export interface Auth {
  session: SessionRow;
  user: {
    id: string;
    email: string;
    displayName: string;
    patientId: string | null;
    language: 'en' | 'es';
    mfaEnrolled: boolean;
    mfaDeclined: boolean;
  };
  roles: RoleGrant[];
  /** False until the second factor is done, where one is due. */
  complete: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: Auth | null;
  }
}

/** The user a session belongs to, with their roles. */
export interface SessionUser {
  id: string;
  email: string;
  display_name: string;
  patient_id: string | null;
  language: 'en' | 'es';
  status: 'active' | 'disabled';
  totp_enabled_at: Date | null;
  mfa_declined_at: Date | null;
  has_passkey: boolean;
  roles: RoleGrant[];
}

/**
 * The open session a cookie's token (by its hash) names, with its user and their roles.
 * Every request asks this, so it is one prepared statement (columns named:
 * a prepared `*` breaks when a migration adds one under a running instance).
 */
export async function findSignedIn(
  db: Kysely<Schema>,
  tokenHash: string,
): Promise<{ session: SessionRow; user: SessionUser } | undefined> {
  const result = await sql<Record<string, unknown>>`${sql.raw(PREPARED)}select s.id, s.token_hash,
      s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.idle_minutes, s.mfa_verified_at,
      s.reauthenticated_at, s.acting_for_patient_id, s.ip, s.user_agent, s.ended_at,
      s.end_reason, s.mfa_failures,
      u.id as u_id, u.email as u_email, u.display_name as u_display_name,
      u.patient_id as u_patient_id, u.language as u_language, u.status as u_status,
      u.totp_enabled_at as u_totp_enabled_at, u.mfa_declined_at as u_mfa_declined_at,
      exists (select 1 from passkeys k where k.user_id = u.id) as u_has_passkey,
      coalesce((select json_agg(json_build_object('role', r.role, 'clinicId', r.clinic_id))
        from user_roles r where r.user_id = u.id), '[]'::json) as u_roles
    from sessions s join users u on u.id = s.user_id
    where s.token_hash = ${tokenHash} and s.ended_at is null`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  const session: Record<string, unknown> = {};
  const user: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row))
    if (key.startsWith('u_')) user[key.slice(2)] = value;
    else session[key] = value;
  return { session: session as unknown as SessionRow, user: user as unknown as SessionUser };
}

/** Who is asking, from the session and its user; null when the account was disabled. */
export async function loadAuth(
  db: Kysely<Schema>,
  session: SessionRow,
  user: SessionUser,
): Promise<Auth | null> {
  if (user.status !== 'active') return null;
  if (session.acting_for_patient_id && session.acting_for_patient_id !== user.patient_id)
    session = await dropExpiredActingFor(db, session);
  const grants = user.roles;
  const mfaEnrolled = Boolean(user.totp_enabled_at) || Boolean(user.has_passkey);
  const due = mfaEnrolled || grants.some((g) => STAFF_ROLES.includes(g.role));
  return {
    session,
    user: {
      id: user.id,
      email: user.email,
      displayName: user.display_name,
      patientId: user.patient_id,
      language: user.language,
      mfaEnrolled,
      mfaDeclined: Boolean(user.mfa_declined_at),
    },
    roles: grants,
    complete: !due || session.mfa_verified_at !== null,
  };
}

/** A caregiver's grant can expire mid-session: they are back on their own record. */
async function dropExpiredActingFor(db: Kysely<Schema>, session: SessionRow): Promise<SessionRow> {
  const grant = await db
    .selectFrom('proxy_grants')
    .select('id')
    .where('proxy_user_id', '=', session.user_id)
    .where('patient_id', '=', session.acting_for_patient_id as string)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  if (grant) return session;
  await db
    .updateTable('sessions')
    .set({ acting_for_patient_id: null })
    .where('id', '=', session.id)
    .execute();
  return { ...session, acting_for_patient_id: null };
}

export const hasRole = (auth: Auth | null, ...roles: Role[]) =>
  !!auth?.roles.some((g) => roles.includes(g.role));

/** The patient whose record a patient or proxy is working on now. */
export const currentPatientId = (auth: Auth) =>
  auth.session.acting_for_patient_id ?? auth.user.patientId;

/** What goes into every audit row of this request. */
export function auditSource(req: FastifyRequest): AuditSource {
  const auth = req.auth;
  return {
    actorUserId: auth?.user.id ?? null,
    actorRole: auth ? [...new Set(auth.roles.map((g) => g.role))].sort().join(',') || null : null,
    actorName: auth?.user.displayName ?? null,
    actingForPatientId: auth?.session.acting_for_patient_id ?? null,
    ip: req.ip,
    userAgent: req.headers['user-agent'] ?? null,
    requestId: req.id,
  };
}
