import { describe, expect, test } from 'vitest';
import {
  assignees,
  filtersOf,
  inboxClinics,
  paramsOf,
  rowFlags,
  threadsPath,
  withTemplate,
} from './inbox.ts';
import { newThreadProblems, sharedClinics } from './newThread.ts';

describe('filters in the URL', () => {
  test('read back what was written, defaults left out', () => {
    const filters = {
      clinic: 'c1',
      pool: 'p1',
      status: 'waiting_for_patient' as const,
      assigned: 'me' as const,
      q: 'Rivera',
      page: 3,
    };
    expect(filtersOf(new URLSearchParams(paramsOf(filters)))).toEqual(filters);
    expect(
      paramsOf({ ...filters, pool: '', status: '', assigned: 'any', q: ' ', page: 1 }),
    ).toEqual({ clinic: 'c1' });
  });

  test('nonsense in the URL falls back to the defaults', () => {
    expect(
      filtersOf(new URLSearchParams('status=deleted&assigned=boss&page=-4&q=<script>')),
    ).toEqual({ clinic: '', pool: '', status: '', assigned: 'any', q: '<script>', page: 1 });
  });

  test('the API path carries the clinic and only the filters that are set', () => {
    const path = threadsPath('c1', filtersOf(new URLSearchParams('assigned=unassigned&q=a b')));
    const query = new URL(path, 'http://x').searchParams;
    expect(new URL(path, 'http://x').pathname).toBe('/api/staff/messages/threads');
    expect(Object.fromEntries(query)).toEqual({
      clinicId: 'c1',
      assigned: 'unassigned',
      page: '1',
      q: 'a b',
    });
  });
});

describe('what a row says in words', () => {
  const row = {
    overdue: false,
    unread: 0,
    assignedTo: { id: 'u', name: 'N' },
    status: 'new' as const,
  };
  test('overdue, unread and unassigned each have their flag', () => {
    expect(rowFlags(row)).toEqual([]);
    expect(rowFlags({ ...row, overdue: true, unread: 2, assignedTo: null })).toEqual([
      'overdue',
      'unread',
      'unassigned',
    ]);
  });
  test('a closed thread is neither overdue nor waiting for someone', () => {
    expect(rowFlags({ ...row, status: 'closed', overdue: true, assignedTo: null })).toEqual([]);
  });
});

describe('which clinics the inbox offers', () => {
  const clinics = [{ id: 'a' }, { id: 'b' }];
  test('the clinics of the pool-working grants; all for a group-wide grant', () => {
    expect(inboxClinics([{ role: 'nurse', clinicId: 'b' }], clinics)).toEqual([{ id: 'b' }]);
    expect(inboxClinics([{ role: 'support_agent', clinicId: null }], clinics)).toEqual(clinics);
    expect(inboxClinics([{ role: 'compliance_officer', clinicId: null }], clinics)).toEqual([]);
    expect(inboxClinics([{ role: 'patient', clinicId: 'a' }], clinics)).toEqual([]);
  });
});

describe('assignment and templates', () => {
  test('you first, then colleagues by name, nobody twice', () => {
    const me = { id: 'm', name: 'Zoe' };
    const staff = [
      { id: 'b', name: 'Bea' },
      { id: 'm', name: 'Zoe' },
      { id: 'a', name: 'Ana' },
      { id: 'a', name: 'Ana' },
    ];
    expect(assignees(staff, me).map((p) => p.id)).toEqual(['m', 'a', 'b']);
    expect(assignees(staff, null).map((p) => p.id)).toEqual(['a', 'b', 'm']);
  });
  test('a template fills an empty box, or follows the text after a blank line', () => {
    expect(withTemplate('  ', 'Hello Ana')).toBe('Hello Ana');
    expect(withTemplate('Thanks.\n', 'See you')).toBe('Thanks.\n\nSee you');
  });
});

describe('starting a conversation', () => {
  test('every field is needed', () => {
    expect(newThreadProblems({ clinicId: '', topic: '', subject: ' ', body: '' })).toEqual([
      'clinicId',
      'topic',
      'subject',
      'body',
    ]);
    expect(newThreadProblems({ clinicId: 'c', topic: 'other', subject: 'S', body: 'B' })).toEqual(
      [],
    );
  });
  test('only from a clinic where the patient is registered and you work the inbox', () => {
    const registrations = [
      { clinicId: 'a', clinicName: 'A' },
      { clinicId: 'b', clinicName: 'B' },
    ];
    expect(sharedClinics(registrations, [{ id: 'b' }, { id: 'c' }])).toEqual([registrations[1]]);
  });
});
