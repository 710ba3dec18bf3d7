import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  actionsFor,
  canDiscard,
  canRetry,
  DISCREPANCY_TYPES,
  fieldDiff,
  OUTBOX_STATUSES,
  readable,
  searchParams,
} from './ehrDesk.ts';

describe('filters', () => {
  test('leave out what is empty', () => {
    expect(searchParams({ status: '', page: 2 }).toString()).toBe('page=2');
    expect(searchParams({ clinicId: 'c1', type: '', status: 'open', page: 1 }).toString()).toBe(
      'clinicId=c1&status=open&page=1',
    );
  });
});

describe('outbox actions', () => {
  test('only rows still waiting or given up can be retried or discarded', () => {
    const allowed = OUTBOX_STATUSES.filter(canRetry);
    expect(allowed).toEqual(['pending', 'failed', 'dead']);
    expect(OUTBOX_STATUSES.filter(canDiscard)).toEqual(allowed);
  });
});

describe('discrepancy actions', () => {
  test('demographics can be taken, pushed or dismissed; the rest only dismissed for now', () => {
    expect(actionsFor({ type: 'demographics_changed', status: 'open' })).toEqual([
      'take_ehr',
      'push_portal',
      'dismiss',
    ]);
    expect(actionsFor({ type: 'slot_booked_in_ehr', status: 'open' })).toEqual(['dismiss']);
    expect(
      actionsFor({ type: 'medication_discontinued_with_pending_refill', status: 'open' }),
    ).toEqual(['dismiss']);
  });

  test('appointments: a lost one is sent again, a cancelled one followed, a moved one reviewed', () => {
    const open = 'open' as const;
    expect(actionsFor({ type: 'appointment_missing_in_ehr', status: open })).toEqual([
      'push_portal',
      'dismiss',
    ]);
    expect(
      actionsFor({ type: 'appointment_changed_in_ehr', status: open, suggestedAction: 'take_ehr' }),
    ).toEqual(['take_ehr', 'dismiss']);
    expect(
      actionsFor({ type: 'appointment_changed_in_ehr', status: open, suggestedAction: 'review' }),
    ).toEqual(['dismiss']);
  });

  test('a settled discrepancy offers nothing', () => {
    for (const type of DISCREPANCY_TYPES) {
      expect(actionsFor({ type, status: 'resolved' })).toEqual([]);
      expect(actionsFor({ type, status: 'dismissed' })).toEqual([]);
    }
  });
});

describe('field by field', () => {
  test('marks the fields that differ, known fields in their order, then the rest', () => {
    expect(
      fieldDiff(
        { birthDate: '1980-04-12', givenName: 'Ana', familyName: 'Lopez' },
        { givenName: 'Ana', familyName: 'López', birthDate: '1980-04-12', phone: '555' },
      ),
    ).toEqual([
      { field: 'givenName', portal: 'Ana', ehr: 'Ana', differs: false },
      { field: 'familyName', portal: 'Lopez', ehr: 'López', differs: true },
      { field: 'birthDate', portal: '1980-04-12', ehr: '1980-04-12', differs: false },
      { field: 'phone', portal: '', ehr: '555', differs: true },
    ]);
  });

  test("shows appointment times in the clinic's zone, named, whatever the viewer's zone", () => {
    const start = '2026-03-09T13:00:00.000Z'; // the Monday after New York springs forward
    expect(readable('start', start, 'en', 'America/New_York')).toBe('Mar 9, 2026, 9:00 AM EDT');
    expect(readable('end', start, 'en', 'America/Chicago')).toBe('Mar 9, 2026, 8:00 AM CDT');
    expect(readable('status', 'cancelled', 'en', 'America/New_York')).toBe('cancelled');
    expect(readable('start', '', 'en', 'America/New_York')).toBe('');
  });

  test('a missing side shows empty values', () => {
    expect(fieldDiff(null, { status: 'cancelled' })).toEqual([
      { field: 'status', portal: '', ehr: 'cancelled', differs: true },
    ]);
  });

  test('a version compared with itself never differs', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (version) => {
        expect(fieldDiff(version, version).every((row) => !row.differs)).toBe(true);
      }),
    );
  });
});
