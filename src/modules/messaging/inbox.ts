// The staff inbox: whom a staff member may reach (the pools they work at a
// clinic: one of the pool's roles there, or clinic admin, who reads every
// pool of the clinic; and the threads assigned to them there, whatever the
// pool, as a hand-off goes to a provider who may not work it), the pools
// with their counts, and a page of threads
// with the clinic's reply clock. Anything out of reach is refused like a
// record that does not exist: audited and answered 404.
import type { FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { Config } from '../../config.ts';
import type { Auth } from '../../platform/auth/context.ts';
import { refuseAccess } from '../../platform/auth/scope.ts';
import { openText } from '../../platform/crypto/envelope.ts';
import type { Schema } from '../../platform/db/schema.ts';
import type { ModuleDeps } from '../../platform/http/module.ts';
import type { Role } from '../accounts/tables.ts';
import type { InboxPool, ThreadSummary } from './model.ts';
import type { ThreadStatus, Topic } from './tables.ts';
import { replyClock, summaries, threadsQuery } from './threads.ts';

type Db = Kysely<Schema>;

/** Who may open the inbox at all; each pool names which of them work it. */
export const INBOX_ROLES: readonly Role[] = [
  'front_desk',
  'nurse',
  'provider',
  'clinic_admin',
  'support_agent',
];
export const RESOURCE = 'Communication';
export const INBOX_PAGE = 50;
/** How many threads a search decrypts subjects of (subjects are encrypted, so not searched in SQL). */
export const SEARCH_LIMIT = 1000;

/** The caller's roles at a clinic, group-wide grants included. */
export const rolesAt = (req: FastifyRequest, clinicId: string): Role[] =>
  (req.auth as Auth).roles
    .filter((g) => g.clinicId === clinicId || g.clinicId === null)
    .map((g) => g.role);

export const worksPool = (roles: readonly Role[], poolRoles: readonly string[]) =>
  roles.includes('clinic_admin') || poolRoles.some((r) => roles.includes(r as Role));

/** Whether the thread is assigned to the caller and they still work the inbox at its clinic. */
export const holdsThread = (
  req: FastifyRequest,
  t: { clinic_id: string; assigned_user_id: string | null },
) =>
  t.assigned_user_id === (req.auth as Auth).user.id &&
  rolesAt(req, t.clinic_id).some((r) => INBOX_ROLES.includes(r));

export interface PoolRow {
  id: string;
  topic: Topic;
  name_en: string;
  name_es: string;
  roles: string[];
  target_business_days: number;
}

export interface InboxClinic {
  id: string;
  name: string;
  time_zone: string;
  /** The pools the caller works there. */
  pools: PoolRow[];
}

export const refuse = (
  deps: ModuleDeps,
  req: FastifyRequest,
  what: { resourceId?: string; patientId?: string | null; clinicId?: string | null },
  attempted: string,
  message = 'That conversation was not found.',
) => refuseAccess(deps.db, req, { resourceType: RESOURCE, ...what, attempted }, message);

const TOPIC_ORDER = sql<number>`array_position(array['medical','appointment','billing','refill','other'], topic)`;

/** The clinic, with the pools the caller works there; refused when they hold no inbox role there. */
export async function requireInboxClinic(
  deps: ModuleDeps,
  req: FastifyRequest,
  clinicId: string,
  attempted: string,
  allowed: readonly Role[] = INBOX_ROLES,
): Promise<InboxClinic> {
  const roles = rolesAt(req, clinicId).filter((r) => allowed.includes(r));
  const clinic = await deps.db
    .selectFrom('clinics')
    .select(['id', 'name', 'time_zone'])
    .where('id', '=', clinicId)
    .executeTakeFirst();
  if (!clinic || roles.length === 0)
    return refuse(deps, req, { clinicId }, attempted, 'That clinic was not found among yours.');
  const pools = await deps.db
    .selectFrom('message_pools')
    .select(['id', 'topic', 'name_en', 'name_es', 'roles', 'target_business_days'])
    .where('clinic_id', '=', clinic.id)
    .orderBy(TOPIC_ORDER)
    .execute();
  return { ...clinic, pools: pools.filter((p) => worksPool(roles, p.roles)) };
}

export interface ReachedThread {
  id: string;
  clinicId: string;
  patientId: string;
  poolId: string;
  status: ThreadStatus;
  assignedUserId: string | null;
}

/** The thread, when the caller works its pool at its clinic or it is assigned to them. */
export async function requireThread(
  deps: ModuleDeps,
  req: FastifyRequest,
  id: string,
  attempted: string,
): Promise<ReachedThread> {
  const t = await deps.db
    .selectFrom('message_threads as t')
    .innerJoin('message_pools as p', 'p.id', 't.pool_id')
    .select([
      't.id',
      't.clinic_id',
      't.patient_id',
      't.pool_id',
      'p.roles',
      't.status',
      't.assigned_user_id',
    ])
    .where('t.id', '=', id)
    .executeTakeFirst();
  if (t && (worksPool(rolesAt(req, t.clinic_id), t.roles) || holdsThread(req, t)))
    return {
      id: t.id,
      clinicId: t.clinic_id,
      patientId: t.patient_id,
      poolId: t.pool_id,
      status: t.status,
      assignedUserId: t.assigned_user_id,
    };
  return refuse(
    deps,
    req,
    { resourceId: id, patientId: t?.patient_id, clinicId: t?.clinic_id },
    attempted,
  );
}

/** Whether the user (active) holds one of the roles at the clinic (a group-wide grant counts). */
export async function holdsRoleAt(
  db: Db,
  userId: string,
  clinicId: string,
  roles: readonly Role[],
): Promise<boolean> {
  const row = await db
    .selectFrom('user_roles as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select('r.user_id')
    .where('r.user_id', '=', userId)
    .where('u.status', '=', 'active')
    .where('r.role', 'in', roles)
    .where((eb) => eb.or([eb('r.clinic_id', '=', clinicId), eb('r.clinic_id', 'is', null)]))
    .executeTakeFirst();
  return !!row;
}

/** Active staff holding any of the roles at the clinic (group-wide grants too), by name. */
export async function staffAt(db: Db, clinicId: string, roles: readonly string[]) {
  if (roles.length === 0) return [];
  const rows = await db
    .selectFrom('user_roles as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['u.id', 'u.display_name', 'r.role'])
    .where('u.status', '=', 'active')
    .where('r.role', 'in', roles as Role[])
    .where((eb) => eb.or([eb('r.clinic_id', '=', clinicId), eb('r.clinic_id', 'is', null)]))
    .orderBy('u.display_name')
    .orderBy('u.id')
    .execute();
  return rows;
}

const members = (rows: { id: string; display_name: string }[]) => [
  ...new Map(rows.map((r) => [r.id, { id: r.id, name: r.display_name }])).values(),
];

/**
 * The caller's pools at the clinic with what waits in each and who works
 * each (whom a thread can be assigned to), and the clinic's providers (whom
 * it can be handed to).
 */
export async function inboxPools(db: Db, clinic: InboxClinic, now = new Date()) {
  const pools = await poolCounts(db, clinic, now);
  const staff = await staffAt(db, clinic.id, [...new Set(clinic.pools.flatMap((p) => p.roles))]);
  return {
    pools: pools.map((p, i) => {
      const roles = clinic.pools[i]?.roles ?? [];
      return { ...p, staff: members(staff.filter((s) => roles.includes(s.role))) };
    }),
    providers: members(await staffAt(db, clinic.id, ['provider'])),
  };
}

/** The caller's pools at the clinic with what waits in each. */
export async function poolCounts(
  db: Db,
  clinic: InboxClinic,
  now = new Date(),
): Promise<InboxPool[]> {
  const ids = clinic.pools.map((p) => p.id);
  const open = ids.length
    ? await db
        .selectFrom('message_threads')
        .select(['pool_id', 'status', 'assigned_user_id', 'awaiting_reply_since'])
        .where('pool_id', 'in', ids)
        .where('status', '!=', 'closed')
        .execute()
    : [];
  return clinic.pools.map((p) => {
    const mine = open.filter((t) => t.pool_id === p.id);
    const count = (s: ThreadStatus) => mine.filter((t) => t.status === s).length;
    return {
      id: p.id,
      topic: p.topic,
      name: { en: p.name_en, es: p.name_es },
      targetBusinessDays: p.target_business_days,
      counts: {
        new: count('new'),
        inProgress: count('in_progress'),
        waitingForPatient: count('waiting_for_patient'),
        overdue: mine.filter(
          (t) => replyClock(t, t.status, p.target_business_days, clinic.time_zone, now).overdue,
        ).length,
        unassigned: mine.filter((t) => t.assigned_user_id === null).length,
      },
    };
  });
}

export type StatusFilter = ThreadStatus | 'open';

export interface InboxQuery {
  poolId?: string;
  status: StatusFilter;
  assigned: 'me' | 'unassigned' | 'any';
  q?: string;
  page: number;
}

function threadRows(db: Db, clinic: InboxClinic, q: InboxQuery, viewerId: string) {
  const closed = q.status === 'closed';
  const poolIds = clinic.pools.map((p) => p.id);
  return (
    threadsQuery(db)
      .where('t.clinic_id', '=', clinic.id)
      // The caller's pools, and what is assigned to them in any pool.
      .where((eb) =>
        eb.or([
          eb('t.assigned_user_id', '=', viewerId),
          ...(poolIds.length ? [eb('t.pool_id', 'in', poolIds)] : []),
        ]),
      )
      .$if(!!q.poolId, (qb) => qb.where('t.pool_id', '=', q.poolId as string))
      .$if(q.status === 'open', (qb) => qb.where('t.status', '!=', 'closed'))
      .$if(q.status !== 'open', (qb) => qb.where('t.status', '=', q.status as ThreadStatus))
      .$if(q.assigned === 'me', (qb) => qb.where('t.assigned_user_id', '=', viewerId))
      .$if(q.assigned === 'unassigned', (qb) => qb.where('t.assigned_user_id', 'is', null))
      // Open threads: who has waited longest first; closed ones: latest first.
      .orderBy('t.last_message_at', closed ? 'desc' : 'asc')
      .orderBy('t.id')
  );
}

/** Lower case without accents, so "jose" finds "José". */
const folded = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

/**
 * A page of the clinic's threads in the caller's pools or assigned to them. `q` matches the
 * patient's name or the subject; subjects are encrypted, so a search
 * decrypts the subjects of at most SEARCH_LIMIT threads the other filters
 * leave (oldest waiting first), matches them in memory, and says when there
 * were more than it read.
 */
export async function threadPage(
  db: Db,
  config: Config,
  clinic: InboxClinic,
  q: InboxQuery,
  viewerId: string,
  searchLimit = SEARCH_LIMIT,
): Promise<{ threads: ThreadSummary[]; hasMore: boolean; searchLimited: boolean }> {
  const offset = (q.page - 1) * INBOX_PAGE;
  let rows = await threadRows(db, clinic, q, viewerId)
    .limit(q.q ? searchLimit + 1 : INBOX_PAGE + 1)
    .offset(q.q ? 0 : offset)
    .execute();
  // More threads than a search reads: the caller is told, so they can narrow the filters.
  const searchLimited = Boolean(q.q) && rows.length > searchLimit;
  if (q.q) {
    rows = rows.slice(0, searchLimit);
    const needle = folded(q.q.trim());
    const found: typeof rows = [];
    for (const r of rows) {
      const subject = await openText(db, config, Buffer.from(r.subject), r.key_id);
      if (folded(`${r.given_name} ${r.family_name}\n${subject}`).includes(needle)) found.push(r);
    }
    rows = found.slice(offset, offset + INBOX_PAGE + 1);
  }
  const threads = await summaries(db, config, rows.slice(0, INBOX_PAGE), {
    userId: viewerId,
    staff: true,
  });
  return { threads, hasMore: rows.length > INBOX_PAGE, searchLimited };
}
