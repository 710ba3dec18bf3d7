import { expect, test } from 'vitest';
import { ehrSearchBody, listName, pageCount, searchBody, startOfDayUtc } from './patients.ts';

test('names are listed family first', () => {
  expect(listName({ given: 'Tomás', family: 'Arbeloa' })).toBe('Arbeloa, Tomás');
});

test('page count rounds up and is at least one', () => {
  expect(pageCount(0, 20)).toBe(1);
  expect(pageCount(20, 20)).toBe(1);
  expect(pageCount(21, 20)).toBe(2);
});

test('an expiry date becomes the start of that day in UTC', () => {
  expect(startOfDayUtc('2030-01-31')).toBe('2030-01-31T00:00:00.000Z');
  expect(startOfDayUtc('')).toBeNull();
  expect(startOfDayUtc('31/01/2030')).toBeNull();
  expect(startOfDayUtc('2030-13-45')).toBeNull();
});

test('a search is a body (never a URL), naming a clinic only when one is chosen', () => {
  expect(searchBody({ q: 'Arbeloa', clinicId: '', page: 2 })).toEqual({ q: 'Arbeloa', page: 2 });
  expect(searchBody({ q: 'Arbeloa', clinicId: 'c1', page: 1 })).toEqual({
    q: 'Arbeloa',
    page: 1,
    clinicId: 'c1',
  });
});

test('an EHR search is by MRN, else by family name and birth date', () => {
  const form = { clinicId: 'c1', mrn: '', family: '', given: '', birthDate: '' };
  expect(ehrSearchBody({ ...form, mrn: ' RFM-1 ', family: 'Arbeloa' })).toEqual({
    clinicId: 'c1',
    mrn: 'RFM-1',
  });
  expect(ehrSearchBody({ ...form, family: ' Arbeloa ', birthDate: '1980-01-02' })).toEqual({
    clinicId: 'c1',
    family: 'Arbeloa',
    birthDate: '1980-01-02',
  });
  expect(
    ehrSearchBody({ ...form, family: 'Arbeloa', given: 'Tomás', birthDate: '1980-01-02' }),
  ).toMatchObject({ given: 'Tomás' });
  expect(ehrSearchBody({ ...form, family: 'Arbeloa' })).toBeNull();
  expect(ehrSearchBody(form)).toBeNull();
});
