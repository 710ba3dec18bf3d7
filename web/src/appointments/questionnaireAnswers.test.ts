import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { demoQuestionnaires } from '../../../src/modules/scheduling/demo-questionnaires.ts';
import {
  answerProblems,
  type Questionnaire,
} from '../../../src/modules/scheduling/questionnaire.ts';
import { optionKey, questions, responseOf, valuesOf } from './questionnaireAnswers.ts';

const office = demoQuestionnaires['office-visit'] as Questionnaire;
const video = demoQuestionnaires['video-visit'] as Questionnaire;
const procedure = demoQuestionnaires.procedure as Questionnaire;

describe('the form’s answers as a QuestionnaireResponse', () => {
  test('typed values become FHIR answers; blank questions are left out', () => {
    expect(responseOf(office, { reason: '  A cough ', fever: 'false', pain: '3' })).toEqual({
      resourceType: 'QuestionnaireResponse',
      status: 'completed',
      questionnaire: office.url,
      item: [
        { linkId: 'reason', answer: [{ valueString: 'A cough' }] },
        { linkId: 'fever', answer: [{ valueBoolean: false }] },
        { linkId: 'pain', answer: [{ valueInteger: 3 }] },
      ],
    });
    expect(responseOf(office, { reason: '', pain: ' ' }).item).toEqual([]);
  });

  test('a choice is sent as its coding, without the translations', () => {
    const home = video.item?.[0]?.answerOption?.[0];
    const item = responseOf(video, { location: optionKey(home ?? {}) }).item;
    expect(item).toEqual([
      {
        linkId: 'location',
        answer: [
          {
            valueCoding: {
              system: home?.valueCoding?.system,
              code: 'home',
              display: 'At home',
            },
          },
        ],
      },
    ]);
  });

  test('a decimal may be written with a comma; what is no number is refused by the checker', () => {
    expect(responseOf(procedure, { weight: '72,5' }).item).toEqual([
      { linkId: 'weight', answer: [{ valueDecimal: 72.5 }] },
    ]);
    const typo = responseOf(procedure, { 'blood-thinners': 'true', weight: 'seventy' });
    expect(answerProblems(procedure, typo)).toEqual([
      expect.objectContaining({ linkId: 'weight', code: 'wrong_type' }),
    ]);
    const notWhole = responseOf(office, { reason: 'x', fever: 'true', pain: '2.5' });
    expect(answerProblems(office, notWhole)).toEqual([
      expect.objectContaining({ linkId: 'pain', code: 'wrong_type' }),
    ]);
  });

  test('what was sent comes back into the form unchanged', () => {
    const forms = [office, video, procedure, demoQuestionnaires['new-patient'] as Questionnaire];
    const value = fc.constantFrom(
      '',
      'true',
      'false',
      '0',
      '7',
      '72.5',
      '2024-05-01',
      'Some words',
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...forms),
        fc.array(value, { minLength: 4, maxLength: 4 }),
        (q, raw) => {
          const values = Object.fromEntries(
            questions(q.item ?? []).map((item, i) => {
              const options = item.answerOption?.map(optionKey) ?? [];
              const v = raw[i % raw.length] ?? '';
              return [item.linkId, item.type === 'choice' && v ? (options[0] ?? '') : v];
            }),
          );
          const sent = responseOf(q, values);
          expect(responseOf(q, valuesOf(q, sent))).toEqual(sent);
        },
      ),
    );
  });
});
