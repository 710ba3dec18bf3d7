import { describe, expect, test } from 'vitest';
import {
  emptySearch,
  isFirstAvailable,
  orderedVisitTypes,
  providersFor,
  rangeProblem,
  slotsPath,
  startingSearch,
} from './search.ts';
import type { ClinicOptions, VisitType } from './types.ts';

const visitType = (over: Partial<VisitType>): VisitType =>
  ({
    id: 'vt',
    name: { en: 'Office visit', es: 'Consulta' },
    booking: 'online',
    providerIds: [],
    ...over,
  }) as VisitType;

describe('slot search', () => {
  test('"any" and "no date" are left out of the request', () => {
    const path = slotsPath(emptySearch('c1', 'v1'), 1);
    expect(path).toBe('/api/scheduling/slots?clinicId=c1&visitTypeId=v1&page=1');
    expect(isFirstAvailable(emptySearch('c1', 'v1'))).toBe(true);
  });

  test('every chosen filter is sent', () => {
    const search = {
      ...emptySearch('c1', 'v1'),
      providerId: 'p1',
      from: '2026-12-01',
      to: '2026-12-07',
      timeOfDay: 'morning' as const,
    };
    const q = new URL(slotsPath(search, 3), 'http://x').searchParams;
    expect(Object.fromEntries(q)).toEqual({
      clinicId: 'c1',
      visitTypeId: 'v1',
      providerId: 'p1',
      from: '2026-12-01',
      to: '2026-12-07',
      timeOfDay: 'morning',
      page: '3',
    });
    expect(isFirstAvailable(search)).toBe(false);
  });

  test('an end before the start is caught before asking', () => {
    expect(rangeProblem({ from: '2026-12-07', to: '2026-12-01' })).toBe('badRange');
    expect(rangeProblem({ from: '2026-12-01', to: '2026-12-01' })).toBeNull();
    expect(rangeProblem({ from: '', to: '2026-12-01' })).toBeNull();
  });
});

describe('choices', () => {
  const options = {
    clinic: { id: 'c1', name: 'Riverside', timeZone: 'America/New_York', phone: '1' },
    visitTypes: [
      visitType({
        id: 'proc',
        name: { en: 'Minor procedure', es: 'Procedimiento' },
        booking: 'offline',
      }),
      visitType({ id: 'video', name: { en: 'Video visit', es: 'Consulta por video' } }),
      visitType({
        id: 'new',
        name: { en: 'New patient visit', es: 'Paciente nuevo' },
        booking: 'request',
      }),
    ],
    providers: [
      { id: 'p1', name: 'Dr. Brandt', active: true },
      { id: 'p2', name: 'Dr. Castellanos', active: true },
    ],
  } as ClinicOptions;

  test("visit types to call about come last; the rest by name in the reader's language", () => {
    expect(orderedVisitTypes(options, 'en').map((v) => v.id)).toEqual(['new', 'video', 'proc']);
    expect(orderedVisitTypes(options, 'es').map((v) => v.id)).toEqual(['video', 'new', 'proc']);
  });

  test('only the providers who offer the visit type', () => {
    expect(providersFor(options, visitType({ providerIds: ['p2'] })).map((p) => p.id)).toEqual([
      'p2',
    ]);
    expect(providersFor(options, undefined)).toEqual([]);
  });
});

describe('where a search starts', () => {
  const clinics = [{ clinic: { id: 'c1' } }, { clinic: { id: 'c2' } }] as ClinicOptions[];

  test('moving an appointment keeps its clinic and visit type', () => {
    expect(startingSearch(clinics, { clinicId: 'c2', visitTypeId: 'v9' })).toEqual(
      emptySearch('c2', 'v9'),
    );
  });

  test('otherwise the first clinic, with nothing chosen yet', () => {
    expect(startingSearch(clinics)).toEqual(emptySearch('c1'));
    expect(startingSearch([])).toEqual(emptySearch(''));
  });
});
