import { describe, expect, test } from 'vitest';
import {
  byActiveThenName,
  newPharmacyForm,
  type PharmacyEntry,
  pharmacyBody,
  pharmacyFormOf,
  pharmacyProblems,
  placedProblems,
  type RefillRulesView,
  rulesBody,
  rulesFormOf,
  rulesProblems,
  settingsClinics,
  withRow,
} from './refillSettings.ts';

const rules: RefillRulesView = {
  clinicId: 'a',
  earlyDays: 7,
  controlledOnline: true,
  targetBusinessDays: 2,
  protocols: [
    { rxnormCode: '197361', name: 'Amlodipine 5 MG Oral Tablet' },
    { rxnormCode: '314076', name: 'Lisinopril 10 MG Oral Tablet' },
  ],
};

const pharmacy: PharmacyEntry = {
  id: 'p1',
  clinicId: 'a',
  name: 'Lakefront Pharmacy',
  address: '200 East Randolph Street, Chicago, IL 60601',
  phone: '+1-312-555-0142',
  ncpdpId: null,
  active: true,
};

describe('which clinics an admin keeps', () => {
  test('a clinic admin keeps their own; a system admin all; other staff none', () => {
    const clinics = [{ id: 'a' }, { id: 'b' }];
    expect(settingsClinics([{ role: 'clinic_admin', clinicId: 'b' }], clinics)).toEqual([
      { id: 'b' },
    ]);
    expect(settingsClinics([{ role: 'system_admin', clinicId: null }], clinics)).toEqual(clinics);
    expect(settingsClinics([{ role: 'provider', clinicId: 'a' }], clinics)).toEqual([]);
  });
});

describe('the rules form', () => {
  test('sends back the rules as the server keeps them', () => {
    expect(rulesProblems(rulesFormOf(rules))).toEqual([]);
    const { clinicId: _, ...body } = rules;
    expect(rulesBody(rulesFormOf(rules))).toEqual(body);
  });

  test('adds rows with keys of their own, even after one was removed', () => {
    const form = rulesFormOf(rules);
    const fewer = form.protocols.filter((r) => r.key !== 0);
    const more = withRow(fewer);
    expect(more.map((r) => r.key)).toEqual([1, 2]);
    expect(more.at(-1)).toEqual({ key: 2, rxnormCode: '', name: '' });
    expect(withRow([])).toEqual([{ key: 0, rxnormCode: '', name: '' }]);
  });

  test('names the field of each problem, the protocol row included', () => {
    const form = rulesFormOf(rules);
    const bad = {
      ...form,
      earlyDays: '61',
      targetBusinessDays: '1.5',
      protocols: [
        { key: 0, rxnormCode: '314076', name: ' ' },
        { key: 1, rxnormCode: ' 314076 ', name: 'Again' },
        { key: 2, rxnormCode: 'abc', name: 'x'.repeat(201) },
        { key: 3, rxnormCode: '', name: 'Metformin' },
      ],
    };
    expect(rulesProblems(bad)).toEqual([
      { field: 'earlyDays', problem: 'range', min: 0, max: 60 },
      { field: 'targetBusinessDays', problem: 'range', min: 1, max: 20 },
      { field: 'protocols.0.name', problem: 'required' },
      { field: 'protocols.1.rxnormCode', problem: 'twice' },
      { field: 'protocols.2.rxnormCode', problem: 'rxnorm' },
      { field: 'protocols.2.name', problem: 'tooLong', max: 200 },
      { field: 'protocols.3.rxnormCode', problem: 'required' },
    ]);
    expect(rulesProblems({ ...form, earlyDays: '0', targetBusinessDays: ' 20 ' })).toEqual([]);
    expect(rulesProblems({ ...form, earlyDays: '' })).toEqual([
      expect.objectContaining({ field: 'earlyDays' }),
    ]);
  });

  test('trims what it sends', () => {
    const form = {
      ...rulesFormOf(rules),
      earlyDays: ' 5 ',
      protocols: [{ key: 0, rxnormCode: ' 314076', name: ' Lisinopril ' }],
    };
    expect(rulesBody(form)).toMatchObject({
      earlyDays: 5,
      protocols: [{ rxnormCode: '314076', name: 'Lisinopril' }],
    });
  });
});

describe('the pharmacy form', () => {
  test('a pharmacy as the server keeps it has no problems; a blank NCPDP id is sent as none', () => {
    expect(pharmacyProblems(pharmacyFormOf(pharmacy))).toEqual([]);
    const { id: _i, clinicId: _c, active: _a, ...fields } = pharmacy;
    expect(pharmacyBody(pharmacyFormOf(pharmacy))).toEqual(fields);
    expect(pharmacyBody({ ...pharmacyFormOf(pharmacy), ncpdpId: ' 1410002 ' }).ncpdpId).toBe(
      '1410002',
    );
  });

  test('names each field that needs fixing', () => {
    expect(pharmacyProblems(newPharmacyForm())).toEqual([
      { field: 'name', problem: 'required' },
      { field: 'address', problem: 'required' },
      { field: 'phone', problem: 'required' },
    ]);
    expect(
      pharmacyProblems({
        name: 'x'.repeat(201),
        address: 'y'.repeat(301),
        phone: 'call us',
        ncpdpId: '123456',
      }),
    ).toEqual([
      { field: 'name', problem: 'tooLong', max: 200 },
      { field: 'address', problem: 'tooLong', max: 300 },
      { field: 'phone', problem: 'phone' },
      { field: 'ncpdpId', problem: 'ncpdp' },
    ]);
    for (const phone of ['(312) 555-0142', '312.555.0142', '911'])
      expect(pharmacyProblems({ ...pharmacyFormOf(pharmacy), phone })).toEqual([]);
    expect(pharmacyProblems({ ...pharmacyFormOf(pharmacy), phone: '12' })).toEqual([
      { field: 'phone', problem: 'phone' },
    ]);
  });

  test('lists the offered pharmacies first, each group by name', () => {
    const off = { ...pharmacy, id: 'p2', name: 'Apex Drugs', active: false };
    const other = { ...pharmacy, id: 'p3', name: 'Corner Pharmacy' };
    expect(byActiveThenName([off, pharmacy, other]).map((p) => p.id)).toEqual(['p3', 'p1', 'p2']);
  });
});

describe("the server's problems", () => {
  test('land on the protocol row they name; others go to the summary', () => {
    const known = (f: string) => f === 'earlyDays' || /^protocols\.\d+\.name$/.test(f);
    expect(
      placedProblems(
        [
          { field: 'protocols.3.name', message: 'is required' },
          { field: 'protocols.3.name', message: 'again' },
          { field: 'earlyDays', message: 'must be at most 60' },
        ],
        known,
      ),
    ).toEqual({
      placed: [
        { field: 'protocols.3.name', message: 'is required' },
        { field: 'earlyDays', message: 'must be at most 60' },
      ],
      unplaced: false,
    });
    expect(placedProblems([{ field: '(request)', message: 'x' }], known)).toEqual({
      placed: [],
      unplaced: true,
    });
    expect(placedProblems(undefined, known)).toEqual({ placed: [], unplaced: true });
  });
});
