import { describe, expect, test } from 'vitest';
import {
  type AuditSearch,
  ariaSort,
  auditParams,
  isUuid,
  NO_FILTERS,
  sortBy,
} from './auditQuery.ts';

const base: AuditSearch = { filters: NO_FILTERS, sort: 'occurredAt', order: 'desc', page: 3 };

describe('auditParams', () => {
  test('leaves out empty filters and adds sort and paging', () => {
    const params = auditParams({
      ...base,
      filters: { ...NO_FILTERS, action: 'view', from: '2026-01-01', userId: '  ' },
    });
    expect(params.toString()).toBe(
      'action=view&from=2026-01-01&sort=occurredAt&order=desc&page=3&pageSize=50',
    );
  });

  test('the CSV export has no paging', () => {
    expect(auditParams(base, false).toString()).toBe('sort=occurredAt&order=desc');
  });
});

describe('sortBy', () => {
  test('the same column flips its order; back to page 1', () => {
    expect(sortBy(base, 'occurredAt')).toMatchObject({ sort: 'occurredAt', order: 'asc', page: 1 });
    expect(sortBy({ ...base, order: 'asc' }, 'occurredAt').order).toBe('desc');
  });

  test('a new column starts A–Z, time starts newest first', () => {
    expect(sortBy(base, 'actor')).toMatchObject({ sort: 'actor', order: 'asc' });
    expect(sortBy({ ...base, sort: 'actor' }, 'occurredAt').order).toBe('desc');
  });
});

test('aria-sort names the sorted column only', () => {
  expect(ariaSort(base, 'occurredAt')).toBe('descending');
  expect(ariaSort({ ...base, order: 'asc' }, 'occurredAt')).toBe('ascending');
  expect(ariaSort(base, 'ip')).toBe('none');
});

test('isUuid', () => {
  expect(isUuid('0b6f4c1e-8d2a-4c3b-9f1e-2a3b4c5d6e7f')).toBe(true);
  expect(isUuid('Arbeloa')).toBe(false);
});
