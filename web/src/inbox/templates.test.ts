import { describe, expect, test } from 'vitest';
import {
  NAME_MAX,
  templateBody,
  templateClinics,
  templateProblems,
  unknownPlaceholders,
} from './templates.ts';

describe('a template form', () => {
  const good = {
    name: 'Lab results',
    en: 'Hi {{patientFirstName}}',
    es: 'Hola {{ patientFirstName }}',
  };

  test('a complete form has no problems and is sent trimmed', () => {
    expect(templateProblems(good)).toEqual([]);
    expect(templateBody({ ...good, name: ' Lab results ' })).toEqual({
      name: 'Lab results',
      body: { en: good.en, es: good.es },
    });
  });

  test('each part is needed, the name has a limit', () => {
    expect(templateProblems({ name: '', en: ' ', es: '' }).map((p) => p.field)).toEqual([
      'name',
      'en',
      'es',
    ]);
    expect(templateProblems({ ...good, name: 'x'.repeat(NAME_MAX + 1) })).toEqual([
      { field: 'name', problem: 'tooLong', max: NAME_MAX },
    ]);
  });

  test('a placeholder the server does not fill is named', () => {
    expect(unknownPlaceholders('Dear {{patientName}}, {{clinicName}} {{ staff }}')).toEqual([
      'patientName',
      'staff',
    ]);
    expect(templateProblems({ ...good, es: 'Hola {{nombre}}' })).toEqual([
      { field: 'es', problem: 'unknown', names: 'nombre' },
    ]);
  });
});

test('a clinic admin keeps the templates of their own clinics only', () => {
  const clinics = [{ id: 'a' }, { id: 'b' }];
  expect(templateClinics([{ role: 'clinic_admin', clinicId: 'a' }], clinics)).toEqual([
    { id: 'a' },
  ]);
  expect(templateClinics([{ role: 'nurse', clinicId: 'a' }], clinics)).toEqual([]);
});
