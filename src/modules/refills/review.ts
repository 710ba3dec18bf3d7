// The clinic's review of a request: who may reach it (nurses, providers and
// clinic admins of its clinic; anyone else is refused like a missing one,
// audited), who may do what (a provider decides; a nurse approves only what
// the clinic's protocol names, never denies; a clinic admin only looks), and
// the triage and decision steps, each audited in its own transaction.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { audit } from '../../platform/audit/audit.ts';
import { type Auth, auditSource } from '../../platform/auth/context.ts';
import { refuseAccess, staffClinicIds } from '../../platform/auth/scope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import { ApiError } from '../../platform/errors.ts';
import type { ModuleDeps } from '../../platform/http/module.ts';
import type { Role } from '../accounts/tables.ts';
import { nurseMayApprove } from './clinic-rules.ts';
import { controlledSchedule } from './controlled.ts';
import { moveStatus, recordEvent } from './events.ts';
import { queueRefillNotice } from './notices.ts';
import {
  REFILL_STATUSES,
  type RefillKind,
  type RefillStatus,
  type RoutedTo,
  UNDECIDED,
} from './tables.ts';
import { queueRefillDecision } from './writeback.ts';

type Db = Kysely<Schema>;

/** Who works the refill queue. */
export const REVIEW_ROLES: readonly Role[] = ['nurse', 'provider', 'clinic_admin'];
/** Who triages (notes, questions, routing): a clinic admin only looks. */
const TRIAGE_ROLES: readonly Role[] = ['nurse', 'provider'];

export const RESOURCE = 'RefillRequest';

export const reviewClinics = (req: FastifyRequest) =>
  staffClinicIds(req.auth as Auth, REVIEW_ROLES);

/** The caller's roles at one clinic (a group-wide grant counts everywhere). */
function rolesAt(req: FastifyRequest, clinicId: string): Role[] {
  return (req.auth as Auth).roles
    .filter((g) => g.clinicId === null || g.clinicId === clinicId)
    .map((g) => g.role);
}

const refuse = (
  deps: ModuleDeps,
  req: FastifyRequest,
  what: { resourceId?: string; patientId?: string; clinicId?: string },
  attempted: string,
  message: string,
) => refuseAccess(deps.db, req, { resourceType: RESOURCE, ...what, attempted }, message);

/** The clinic, when the caller works its refill queue. */
export async function requireReviewClinic(
  deps: ModuleDeps,
  req: FastifyRequest,
  clinicId: string,
  attempted: string,
) {
  const clinic = await deps.db
    .selectFrom('clinics')
    .select(['id', 'name', 'time_zone'])
    .where('id', '=', clinicId)
    .executeTakeFirst();
  const scope = reviewClinics(req);
  if (clinic && (scope === 'all' || scope.includes(clinic.id))) return clinic;
  return refuse(deps, req, { clinicId }, attempted, 'That clinic was not found among yours.');
}

export interface ReachedRefill {
  id: string;
  clinicId: string;
  patientId: string;
  status: RefillStatus;
  kind: RefillKind;
  rxnormCode: string | null;
  medicationName: string;
  /** The caller's roles at the request's clinic. */
  roles: Role[];
}

/** The request, when it is at one of the caller's clinics. */
export async function requireRefill(
  deps: ModuleDeps,
  req: FastifyRequest,
  id: string,
  attempted: string,
): Promise<ReachedRefill> {
  const r = await deps.db
    .selectFrom('refill_requests')
    .select(['id', 'clinic_id', 'patient_id', 'status', 'kind', 'rxnorm_code', 'medication_name'])
    .where('id', '=', id)
    .executeTakeFirst();
  const roles = r ? rolesAt(req, r.clinic_id).filter((role) => REVIEW_ROLES.includes(role)) : [];
  if (r && roles.length > 0)
    return {
      id: r.id,
      clinicId: r.clinic_id,
      patientId: r.patient_id,
      status: r.status,
      kind: r.kind,
      rxnormCode: r.rxnorm_code,
      medicationName: r.medication_name,
      roles,
    };
  return refuse(
    deps,
    req,
    { resourceId: id, patientId: r?.patient_id, clinicId: r?.clinic_id },
    attempted,
    'That refill request was not found.',
  );
}

export const triages = (r: ReachedRefill) => r.roles.some((role) => TRIAGE_ROLES.includes(role));

/**
 * Whether a nurse's protocol can cover the request: a refill of an order the
 * prescriber already wrote, never a renewal (a new order is the prescriber's
 * decision) nor a controlled drug (the DEA holds the prescriber to it).
 */
export const protocolCanCover = (
  r: Pick<ReachedRefill, 'kind' | 'rxnormCode' | 'medicationName'>,
) =>
  r.kind === 'refill' &&
  controlledSchedule({ rxnormCode: r.rxnormCode, name: r.medicationName }) === null;

/** What the caller's roles allow, whatever the request's state. */
export async function decisionRights(db: Db, r: ReachedRefill) {
  if (r.roles.includes('provider')) return { mayApprove: true, mayDeny: true };
  const nurse =
    r.roles.includes('nurse') &&
    protocolCanCover(r) &&
    (await nurseMayApprove(db, r.clinicId, r.rxnormCode));
  return { mayApprove: nurse, mayDeny: false };
}

/** A refusal of a step the caller's role does not allow: audited, then 403. */
async function notPermitted(
  deps: ModuleDeps,
  req: FastifyRequest,
  r: ReachedRefill,
  attempted: string,
  message: string,
): Promise<never> {
  await audit(deps.db, auditSource(req), {
    action: 'access_denied',
    outcome: 'failure',
    resourceType: RESOURCE,
    resourceId: r.id,
    patientId: r.patientId,
    clinicId: r.clinicId,
    details: { attempted },
  });
  throw new ApiError(403, 'not_permitted', message);
}

export async function mustTriage(deps: ModuleDeps, req: FastifyRequest, r: ReachedRefill) {
  if (!triages(r))
    await notPermitted(
      deps,
      req,
      r,
      'triage',
      'Only nurses and providers work refill requests; clinic admins can view them.',
    );
}

export async function mustBeAllowedTo(
  deps: ModuleDeps,
  req: FastifyRequest,
  r: ReachedRefill,
  decision: 'approve' | 'deny',
) {
  const rights = await decisionRights(deps.db, r);
  if (decision === 'approve' && !rights.mayApprove)
    await notPermitted(
      deps,
      req,
      r,
      decision,
      protocolCanCover(r)
        ? "Only a provider may approve this medication: the clinic's nurse protocol does not name it. Route it to a provider."
        : 'Only a provider may approve a renewal or a controlled medication. Route it to a provider.',
    );
  if (decision === 'deny' && !rights.mayDeny)
    await notPermitted(
      deps,
      req,
      r,
      decision,
      'Only a provider may deny a refill request. Route it to a provider.',
    );
}

/** Who did it, for the timeline and the audit log. */
export interface Reviewer {
  req: FastifyRequest;
  userId: string;
  publicUrl: string;
}

export const reviewer = (deps: ModuleDeps, req: FastifyRequest): Reviewer => ({
  req,
  userId: (req.auth as Auth).user.id,
  publicUrl: deps.config.publicUrl,
});

const audited = (trx: Db, who: Reviewer, r: ReachedRefill, change: string) =>
  audit(trx, auditSource(who.req), {
    action: 'update',
    resourceType: RESOURCE,
    resourceId: r.id,
    patientId: r.patientId,
    clinicId: r.clinicId,
    details: { change },
  });

/** 409 unless the request still waits for a decision (read inside the step's transaction). */
async function mustBeUndecided(trx: Db, id: string) {
  const row = await trx
    .selectFrom('refill_requests')
    .select('status')
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (!UNDECIDED.includes(row.status)) throw movedOn(row.status);
}

function movedOn(status: RefillStatus | undefined) {
  const what =
    status === 'cancelled'
      ? 'The patient cancelled this request'
      : status === 'stopped'
        ? 'This request was stopped'
        : 'This request was already decided';
  return new ApiError(409, 'already_decided', `${what}, so it cannot be changed now.`, {
    status: status && REFILL_STATUSES.includes(status) ? status : null,
  });
}

/**
 * A staff-only note on the timeline, at any status: after a decision it keeps
 * the record of what followed (a call with the patient or the pharmacy).
 */
export async function addNote(trx: Db, who: Reviewer, r: ReachedRefill, text: string) {
  await recordEvent(trx, r.id, 'note', { text: text.trim(), actorUserId: who.userId });
  await audited(trx, who, r, 'note');
}

/** A question for the patient, who is told by e-mail to answer in the portal. */
export async function askPatient(trx: Db, who: Reviewer, r: ReachedRefill, text: string) {
  await mustBeUndecided(trx, r.id);
  await recordEvent(trx, r.id, 'question', { text: text.trim(), actorUserId: who.userId });
  await queueRefillNotice(trx, r.id, who.publicUrl);
  await audited(trx, who, r, 'question');
}

/** Routes the request to a role at its clinic, and maybe to one person holding it there. */
export async function routeRefill(
  trx: Db,
  who: Reviewer,
  r: ReachedRefill,
  to: RoutedTo,
  userId: string | undefined,
) {
  await mustBeUndecided(trx, r.id);
  if (userId && !(await holdsRoleAt(trx, userId, to, r.clinicId)))
    throw new ApiError(
      400,
      'validation_failed',
      `userId: must be a ${to} at this request's clinic`,
      [{ field: 'userId', message: `must be a ${to} at this request's clinic` }],
    );
  await trx
    .updateTable('refill_requests')
    .set({ routed_to: to, routed_user_id: userId ?? null, updated_at: new Date() })
    .where('id', '=', r.id)
    .execute();
  await recordEvent(trx, r.id, 'routed', { text: to, actorUserId: who.userId });
  await audited(trx, who, r, 'route');
}

async function holdsRoleAt(trx: Db, userId: string, role: Role, clinicId: string) {
  const row = await trx
    .selectFrom('user_roles as ur')
    .innerJoin('users as u', 'u.id', 'ur.user_id')
    .select('ur.user_id')
    .where('ur.user_id', '=', userId)
    .where('ur.role', '=', role)
    .where((eb) => eb.or([eb('ur.clinic_id', '=', clinicId), eb('ur.clinic_id', 'is', null)]))
    .where('u.status', '=', 'active')
    .executeTakeFirst();
  return row !== undefined;
}

export type Decision =
  | { outcome: 'approved'; note?: string }
  | { outcome: 'denied'; reason: string };

/**
 * Approves or denies: once only (a second decision, or one after the patient
 * cancelled, is a 409), sent on to the EHR through the outbox, the patient
 * told. The approval's note is the staff's own; the denial's reason is the
 * patient's to read.
 */
export async function decide(trx: Db, who: Reviewer, r: ReachedRefill, d: Decision) {
  const reason = d.outcome === 'denied' ? d.reason.trim() : null;
  const moved = await moveStatus(trx, r.id, UNDECIDED, d.outcome, {
    text: reason,
    actorUserId: who.userId,
  });
  if (!moved) {
    const now = await trx
      .selectFrom('refill_requests')
      .select('status')
      .where('id', '=', r.id)
      .executeTakeFirst();
    throw movedOn(now?.status);
  }
  await trx
    .updateTable('refill_requests')
    .set({ decided_by: who.userId, decided_at: new Date(), deny_reason: reason })
    .where('id', '=', r.id)
    .execute();
  if (d.outcome === 'approved' && d.note)
    await recordEvent(trx, r.id, 'note', { text: d.note.trim(), actorUserId: who.userId });
  await queueRefillDecision(trx, r.id);
  // An approval is news once the order reached the EHR ('sent' mails then): one mail, not two.
  if (d.outcome === 'denied') await queueRefillNotice(trx, r.id, who.publicUrl);
  await audited(trx, who, r, d.outcome);
}
