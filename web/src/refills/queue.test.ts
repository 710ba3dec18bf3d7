import { describe, expect, test } from 'vitest';
import { resources } from '../i18n/resources.ts';
import { type QueueFlag, queueFlags, queuePath, queueView } from './queue.ts';
import type { QueueItem } from './types.ts';

const item = (p: Partial<QueueItem>) =>
  ({
    status: 'requested',
    overdue: false,
    awaitingAnswer: false,
    routedTo: null,
    ...p,
  }) as QueueItem;

describe('the review queue', () => {
  test('a row says in words what needs attention', () => {
    expect(queueFlags(item({}))).toEqual([]);
    expect(queueFlags(item({ overdue: true, awaitingAnswer: true, routedTo: 'provider' }))).toEqual(
      ['overdue', 'awaitingAnswer', 'routedProvider'],
    );
    expect(queueFlags(item({ status: 'in_review', routedTo: 'nurse' }))).toEqual(['routedNurse']);
  });

  test('a decided request is no longer overdue nor waiting for a person', () => {
    expect(queueFlags(item({ status: 'approved', overdue: true, routedTo: 'provider' }))).toEqual(
      [],
    );
  });

  test.each(['en', 'es'] as const)('every flag has words in %s', (lang) => {
    const flags: QueueFlag[] = ['overdue', 'awaitingAnswer', 'routedNurse', 'routedProvider'];
    for (const flag of flags) expect(resources[lang].refills.staff.flags[flag]).toBeTruthy();
  });

  test('the view comes from the URL, waiting ones unless decided is asked for', () => {
    expect(queueView('decided')).toBe('decided');
    expect(queueView(null)).toBe('undecided');
    expect(queueView('anything')).toBe('undecided');
  });

  test('the queue is asked for per clinic, view and page', () => {
    const url = new URL(queuePath('c-1', 'decided', 2), 'https://portal.test');
    expect(url.pathname).toBe('/api/staff/refills');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      clinicId: 'c-1',
      status: 'decided',
      page: '2',
    });
  });
});
