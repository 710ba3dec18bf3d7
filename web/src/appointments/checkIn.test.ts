import { describe, expect, test } from 'vitest';
import { demoQuestionnaires } from '../../../src/modules/scheduling/demo-questionnaires.ts';
import type { Questionnaire } from '../../../src/modules/scheduling/questionnaire.ts';
import {
  bodyOf,
  type CheckIn,
  fieldId,
  fromServerField,
  startingForm,
  stepProblems,
  stepsFor,
} from './checkIn.ts';

const office = demoQuestionnaires['office-visit'] as Questionnaire;

const view = (over: Partial<CheckIn> = {}): CheckIn =>
  ({
    current: {
      demographics: {
        givenName: 'Ana',
        familyName: 'Ruiz',
        birthDate: '1980-01-02',
        phone: '+1 555 0100',
        email: 'ana@example.org',
      },
      insurance: null,
      medications: [{ id: 'm1', name: 'Lisinopril', instructions: ['once a day'] }],
      allergies: [{ id: 'a1', substance: 'Penicillin', reactions: ['Hives'] }],
    },
    questionnaire: office,
    submission: null,
    ...over,
  }) as CheckIn;

describe('check-in steps', () => {
  test('the questions are a step only when the visit has a questionnaire', () => {
    expect(stepsFor(office)).toEqual([
      'details',
      'insurance',
      'medications',
      'allergies',
      'questionnaire',
      'review',
    ]);
    expect(stepsFor(null)).not.toContain('questionnaire');
  });

  test('the form starts from the record and asks about every medication and allergy', () => {
    const form = startingForm(view());
    expect(form).toMatchObject({ phone: '+1 555 0100', insurance: 'same', answers: {} });
    expect(form.medications).toEqual([
      expect.objectContaining({ id: 'm1', name: 'Lisinopril', detail: 'once a day', status: '' }),
    ]);
    expect(stepProblems('medications', form, office)).toEqual([
      { field: 'medications.0', code: 'choose' },
    ]);
  });

  test('a check-in sent before fills the form again', () => {
    const form = startingForm(
      view({
        submission: {
          submittedAt: '2026-01-01T10:00:00.000Z',
          reviewedAt: null,
          changes: {
            demographics: { phone: { from: '+1 555 0100', to: '+1 555 0199' } },
            insurance: { payer: 'Acme', memberId: 'X1', groupNumber: null },
            medications: [
              { id: 'm1', name: 'Lisinopril', status: 'not_taking', text: '' },
              { id: null, name: null, status: 'new', text: 'Vitamin D' },
            ],
            allergies: [],
          },
          questionnaireResponse: {
            resourceType: 'QuestionnaireResponse',
            status: 'completed',
            item: [{ linkId: 'fever', answer: [{ valueBoolean: true }] }],
          },
        },
      }),
    );
    expect(form).toMatchObject({
      phone: '+1 555 0199',
      insurance: 'update',
      payer: 'Acme',
      answers: { fever: 'true' },
    });
    expect(form.medications.map((l) => [l.id, l.status, l.text])).toEqual([
      ['m1', 'not_taking', ''],
      [null, 'new', 'Vitamin D'],
    ]);
  });

  test('the request carries only what changed, and every line answered', () => {
    const v = view();
    const form = {
      ...startingForm(v),
      email: 'ANA@example.org ',
      phone: '+1 555 0199',
      medications: [{ ...startingForm(v).medications[0], status: 'taking', text: ' ' }],
      answers: { reason: 'Cough', fever: 'false' },
    } as ReturnType<typeof startingForm>;
    const body = bodyOf(form, v.current, office);
    expect(body.demographics).toEqual({ phone: '+1 555 0199', email: 'ANA@example.org' });
    expect(body.insurance).toBeUndefined();
    expect(body.medications).toEqual([{ id: 'm1', status: 'taking' }]);
    expect(body.allergies).toEqual([]);
    expect(body.questionnaireResponse?.item).toHaveLength(2);
  });

  test('each step names what is missing before moving on', () => {
    const form = {
      ...startingForm(view()),
      phone: 'call me',
      insurance: 'update' as const,
      memberId: 'M-1',
    };
    expect(stepProblems('details', form, office)).toEqual([{ field: 'phone', code: 'phone' }]);
    expect(stepProblems('insurance', form, office)).toEqual([{ field: 'payer', code: 'required' }]);
    expect(stepProblems('questionnaire', form, office)).toEqual([
      { field: 'q.reason', code: 'required', type: 'text' },
      { field: 'q.fever', code: 'required', type: 'boolean' },
    ]);
  });

  test("the server's field names find their step and field", () => {
    expect(fromServerField('demographics.phone')).toEqual({ step: 'details', field: 'phone' });
    expect(fromServerField('medications.2.text')).toEqual({
      step: 'medications',
      field: 'medications.2.text',
    });
    expect(fromServerField('allergies.0.id')).toEqual({ step: 'allergies', field: 'allergies.0' });
    expect(fromServerField('questionnaireResponse.a.b')).toEqual({
      step: 'questionnaire',
      field: 'q.a.b',
    });
    expect(fromServerField('something.else')).toBeNull();
    expect(fieldId('q.last physical')).toBe('checkin-q.last_physical');
  });
});
