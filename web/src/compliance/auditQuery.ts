// The audit search as URL parameters, and the sort rules for its table.
// Pure, so it is unit tested.

// The server's list, so the two cannot drift apart (tables.ts has only type imports).
export { AUDIT_ACTIONS, type AuditAction } from '../../../src/platform/audit/tables.ts';

export const SORT_KEYS = [
  'occurredAt',
  'actor',
  'action',
  'resourceType',
  'patient',
  'clinic',
  'outcome',
  'ip',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type Order = 'asc' | 'desc';

export interface AuditFilters {
  patientId: string;
  userId: string;
  action: string;
  outcome: string;
  from: string;
  to: string;
}

export const NO_FILTERS: AuditFilters = {
  patientId: '',
  userId: '',
  action: '',
  outcome: '',
  from: '',
  to: '',
};

export interface AuditSearch {
  filters: AuditFilters;
  sort: SortKey;
  order: Order;
  page: number;
}

export const PAGE_SIZE = 50;

/** Query parameters for GET /api/audit/events(.csv); empty filters are left out. */
export function auditParams(search: AuditSearch, withPaging = true): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(search.filters))
    if (value.trim() !== '') params.set(key, value.trim());
  params.set('sort', search.sort);
  params.set('order', search.order);
  if (withPaging) {
    params.set('page', String(search.page));
    params.set('pageSize', String(PAGE_SIZE));
  }
  return params;
}

/**
 * Clicking a column header: the same column flips its order; another column
 * starts newest-first for time and A–Z for the rest. Back to page 1 either way.
 */
export function sortBy(search: AuditSearch, column: SortKey): AuditSearch {
  const order: Order =
    search.sort === column
      ? search.order === 'asc'
        ? 'desc'
        : 'asc'
      : column === 'occurredAt'
        ? 'desc'
        : 'asc';
  return { ...search, sort: column, order, page: 1 };
}

export function ariaSort(
  search: AuditSearch,
  column: SortKey,
): 'ascending' | 'descending' | 'none' {
  if (search.sort !== column) return 'none';
  return search.order === 'asc' ? 'ascending' : 'descending';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value.trim());
