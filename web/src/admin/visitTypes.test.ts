import { describe, expect, test } from 'vitest';
import {
  changeBody,
  createBody,
  duration,
  formOf,
  formProblems,
  keptClinics,
  newForm,
  type Provider,
  toggled,
  type VisitType,
} from './visitTypes.ts';

const clinics = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
const providers: Provider[] = [
  { id: 'p1', name: 'Dr. One', active: true },
  { id: 'p2', name: 'Dr. Two', active: false },
  { id: 'p3', name: 'Dr. Three', active: true },
];

const office: VisitType = {
  id: 'v1',
  clinicId: 'a',
  code: 'office-visit',
  name: { en: 'Office visit', es: 'Consulta' },
  booking: 'online',
  patients: 'all',
  mode: 'in_person',
  minLeadMinutes: 120,
  maxDaysAhead: 60,
  changeCutoffHours: 24,
  maxFutureBookings: 3,
  active: true,
  hasQuestionnaire: false,
  providerIds: ['p1'],
};

describe('which clinics an admin keeps', () => {
  test('a clinic admin keeps their own clinics; a group-wide grant keeps all', () => {
    expect(keptClinics([{ role: 'clinic_admin', clinicId: 'b' }], clinics)).toEqual([{ id: 'b' }]);
    expect(keptClinics([{ role: 'system_admin', clinicId: null }], clinics)).toEqual(clinics);
    expect(
      keptClinics(
        [
          { role: 'front_desk', clinicId: 'a' },
          { role: 'clinic_admin', clinicId: 'c' },
        ],
        clinics,
      ),
    ).toEqual([{ id: 'c' }]);
    expect(keptClinics([{ role: 'front_desk', clinicId: null }], clinics)).toEqual([]);
  });
});

describe('durations in plain words', () => {
  test('take the largest whole unit', () => {
    expect(duration(0)).toEqual({ unit: 'minutes', count: 0 });
    expect(duration(90)).toEqual({ unit: 'minutes', count: 90 });
    expect(duration(120)).toEqual({ unit: 'hours', count: 2 });
    expect(duration(2880)).toEqual({ unit: 'days', count: 2 });
  });
});

describe('the form', () => {
  test('starts a new visit type like an office visit, offered by the active providers', () => {
    expect(newForm(providers)).toMatchObject({
      booking: 'online',
      minLeadMinutes: '120',
      providerIds: ['p1', 'p3'],
      active: true,
    });
  });

  test('finds nothing wrong with a visit type as the server keeps it', () => {
    expect(formProblems(formOf(office), false)).toEqual([]);
    expect(formProblems({ ...formOf(office), code: 'x' }, false)).toEqual([]);
  });

  test('names the field of each problem, with the limits', () => {
    const form = {
      ...newForm(providers),
      code: 'Office Visit',
      nameEn: ' ',
      minLeadMinutes: '1.5',
      maxDaysAhead: '366',
      maxFutureBookings: '',
    };
    expect(formProblems(form, true)).toEqual([
      { field: 'code', problem: 'code' },
      { field: 'nameEn', problem: 'required' },
      { field: 'nameEs', problem: 'required' },
      { field: 'minLeadMinutes', problem: 'whole', min: 0, max: 43200 },
      { field: 'maxDaysAhead', problem: 'range', min: 1, max: 365 },
      { field: 'maxFutureBookings', problem: 'whole', min: 1, max: 50 },
    ]);
  });

  test('refuses a booking window that closes before the lead time ends', () => {
    const closed = { ...formOf(office), minLeadMinutes: '2880', maxDaysAhead: '2' };
    expect(formProblems(closed, false)).toEqual([
      { field: 'maxDaysAhead', problem: 'window', minutes: 2880 },
    ]);
    expect(formProblems({ ...closed, minLeadMinutes: '2879' }, false)).toEqual([]);
  });

  test('sends trimmed names and numbers; a change never sends the clinic or the code', () => {
    const form = { ...formOf(office), nameEn: ' Check-up ', maxFutureBookings: '5' };
    expect(createBody('a', { ...form, code: ' check-up ' })).toMatchObject({
      clinicId: 'a',
      code: 'check-up',
      nameEn: 'Check-up',
      maxFutureBookings: 5,
    });
    const change = changeBody(form);
    expect(change).toMatchObject({ nameEn: 'Check-up', maxFutureBookings: 5, active: true });
    expect(Object.keys(change)).not.toContain('clinicId');
    expect(Object.keys(change)).not.toContain('code');
  });

  test("keeps the providers in the clinic's order as they are ticked", () => {
    expect(toggled(['p3'], 'p1', true, providers)).toEqual(['p1', 'p3']);
    expect(toggled(['p1', 'p3'], 'p1', false, providers)).toEqual(['p3']);
  });
});
