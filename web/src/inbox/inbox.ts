// The inbox's small rules, free of React so they can be unit tested: the
// filters as the URL keeps them, the API paths, what a row says in words,
// and which clinics the picker offers.
import { THREAD_STATUSES, TOPICS } from '../../../src/modules/messaging/tables.ts';
import { MESSAGE_INBOX_ROLES, type RoleGrant } from '../auth/roles.ts';
import type { ThreadStatus, ThreadSummary } from './types.ts';

export { THREAD_STATUSES, TOPICS };

export const ASSIGNED = ['any', 'me', 'unassigned'] as const;
export type Assigned = (typeof ASSIGNED)[number];

/** What the list shows; every part lives in the URL so a link keeps it. */
export interface InboxFilters {
  clinic: string;
  pool: string;
  /** '' = the open ones (everything but closed). */
  status: ThreadStatus | '';
  assigned: Assigned;
  q: string;
  page: number;
}

const isStatus = (value: string | null): value is ThreadStatus =>
  (THREAD_STATUSES as readonly string[]).includes(value ?? '');

export function filtersOf(params: URLSearchParams): InboxFilters {
  const assigned = params.get('assigned');
  const status = params.get('status');
  return {
    clinic: params.get('clinic') ?? '',
    pool: params.get('pool') ?? '',
    status: isStatus(status) ? status : '',
    assigned: (ASSIGNED as readonly string[]).includes(assigned ?? '')
      ? (assigned as Assigned)
      : 'any',
    q: (params.get('q') ?? '').slice(0, 100),
    page: Math.max(1, Math.trunc(Number(params.get('page'))) || 1),
  };
}

/** The filters back into the URL, leaving out what is the default. */
export function paramsOf(f: InboxFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.clinic) out.clinic = f.clinic;
  if (f.pool) out.pool = f.pool;
  if (f.status) out.status = f.status;
  if (f.assigned !== 'any') out.assigned = f.assigned;
  if (f.q.trim()) out.q = f.q.trim();
  if (f.page > 1) out.page = String(f.page);
  return out;
}

/** GET /api/staff/messages/threads for these filters at this clinic. */
export function threadsPath(clinicId: string, f: InboxFilters): string {
  const query = new URLSearchParams({ clinicId, assigned: f.assigned, page: String(f.page) });
  if (f.pool) query.set('poolId', f.pool);
  if (f.status) query.set('status', f.status);
  if (f.q.trim()) query.set('q', f.q.trim());
  return `/api/staff/messages/threads?${query}`;
}

export type RowFlag = 'overdue' | 'unread' | 'unassigned';

/** What a row says besides its status, in words (never by colour alone). */
export function rowFlags(
  thread: Pick<ThreadSummary, 'overdue' | 'unread' | 'assignedTo' | 'status'>,
): RowFlag[] {
  const flags: RowFlag[] = [];
  const open = thread.status !== 'closed';
  if (thread.overdue && open) flags.push('overdue');
  if (thread.unread > 0) flags.push('unread');
  if (!thread.assignedTo && open) flags.push('unassigned');
  return flags;
}

/** The clinics whose inbox these grants reach: all for a group-wide grant, else those named. */
export function inboxClinics<C extends { id: string }>(
  grants: readonly RoleGrant[],
  clinics: C[],
): C[] {
  const mine = grants.filter((g) => MESSAGE_INBOX_ROLES.includes(g.role));
  if (mine.some((g) => g.clinicId === null)) return clinics;
  return clinics.filter((c) => mine.some((g) => g.clinicId === c.id));
}

/** Closed threads leave the default list and their flags go quiet. */
export const isOpen = (status: ThreadStatus) => status !== 'closed';

/** Whom a thread can go to: you first, then your colleagues in the pool by name, once each. */
export function assignees<P extends { id: string; name: string }>(staff: P[], me: P | null): P[] {
  const others = [...new Map(staff.map((p) => [p.id, p])).values()]
    .filter((p) => p.id !== me?.id)
    .sort((a, b) => a.name.localeCompare(b.name));
  return me ? [me, ...others] : others;
}

/** A template's text added to what is written already, a blank line between. */
export const withTemplate = (text: string, template: string) =>
  text.trim() ? `${text.trimEnd()}\n\n${template}` : template;
