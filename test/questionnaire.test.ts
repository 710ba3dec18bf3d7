// The questionnaire checker, by property: for random questionnaires, answers
// that fit are accepted, and each kind of misfit is named on its question.
// Plus the texts in the reader's language.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demoQuestionnaires } from '../src/modules/scheduling/demo-questionnaires.ts';
import {
  ANSWER_PROBLEMS,
  ANSWER_TYPES,
  type Answer,
  type AnswerType,
  answerProblems,
  isFhirDate,
  itemText,
  MAX_VALUE_URL,
  MIN_VALUE_URL,
  optionLabel,
  type Questionnaire,
  type QuestionnaireItem,
  type ResponseItem,
} from '../src/modules/scheduling/questionnaire.ts';

const SYSTEM = 'urn:test:options';

interface Spec {
  group: boolean;
  type: AnswerType;
  required: boolean;
  repeats: boolean;
  limits: [number, number] | null;
  options: string[];
  maxLength: number | null;
  children: Spec[];
}

const leafSpec = fc.record({
  group: fc.constant(false),
  type: fc.constantFrom(...ANSWER_TYPES),
  required: fc.boolean(),
  repeats: fc.boolean(),
  limits: fc.option(
    fc
      .tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 100 }))
      .map(([low, span]): [number, number] => [low, low + span]),
  ),
  options: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 4 }),
  maxLength: fc.option(fc.integer({ min: 1, max: 40 })),
  children: fc.constant([] as Spec[]),
});

const specs: fc.Arbitrary<Spec[]> = fc.letrec<{ list: Spec[]; spec: Spec }>((tie) => ({
  spec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafSpec,
    fc.record({
      group: fc.constant(true),
      type: fc.constant('string' as AnswerType),
      required: fc.constant(false),
      repeats: fc.constant(false),
      limits: fc.constant(null),
      options: fc.constant([] as string[]),
      maxLength: fc.constant(null),
      children: tie('list'),
    }),
  ),
  list: fc.array(tie('spec'), { minLength: 1, maxLength: 5 }),
})).list;

function toItems(list: Spec[], prefix: string): QuestionnaireItem[] {
  return list.map((s, i) => {
    const linkId = `${prefix}${i + 1}`;
    if (s.group)
      return {
        linkId,
        type: 'group',
        text: `Group ${linkId}`,
        item: toItems(s.children, `${linkId}.`),
      };
    return {
      linkId,
      type: s.type,
      text: `Question ${linkId}`,
      required: s.required,
      repeats: s.repeats,
      ...(s.maxLength !== null && { maxLength: s.maxLength }),
      ...(s.limits && {
        extension: [
          { url: MIN_VALUE_URL, valueInteger: s.limits[0] },
          { url: MAX_VALUE_URL, valueInteger: s.limits[1] },
        ],
      }),
      ...(s.type === 'choice' && {
        answerOption: s.options.map((code) => ({
          valueCoding: { system: SYSTEM, code, display: code },
        })),
      }),
    };
  });
}

const questionnaires = specs.map(
  (list): Questionnaire => ({
    resourceType: 'Questionnaire',
    url: 'urn:test:questionnaire',
    status: 'active',
    item: toItems(list, 'q'),
  }),
);

function answerFor(item: QuestionnaireItem): fc.Arbitrary<Answer> {
  const [min, max] = [
    item.extension?.find((e) => e.url === MIN_VALUE_URL)?.valueInteger ?? -1000,
    item.extension?.find((e) => e.url === MAX_VALUE_URL)?.valueInteger ?? 1000,
  ];
  switch (item.type as AnswerType) {
    case 'boolean':
      return fc.boolean().map((valueBoolean) => ({ valueBoolean }));
    case 'integer':
      return fc.integer({ min, max }).map((valueInteger) => ({ valueInteger }));
    case 'decimal':
      return fc
        .double({ min, max, noNaN: true, noDefaultInfinity: true })
        .map((valueDecimal) => ({ valueDecimal }));
    case 'date':
      return fc
        .date({ min: new Date('1900-01-01'), max: new Date('2100-12-31'), noInvalidDate: true })
        .map((d) => ({ valueDate: d.toISOString().slice(0, 10) }));
    case 'choice':
      return fc
        .constantFrom(...(item.answerOption ?? []))
        .map((o) => ({ valueCoding: { system: SYSTEM, code: o.valueCoding?.code } }));
    default:
      return fc
        .string({ minLength: 1, maxLength: item.maxLength ?? 60 })
        .filter((s) => s.trim() !== '')
        .map((valueString) => ({ valueString }));
  }
}

/** Answers that fit: every required question answered, optional ones now and then. */
function fittingItems(items: QuestionnaireItem[]): fc.Arbitrary<ResponseItem[]> {
  const parts = items.map((item): fc.Arbitrary<ResponseItem | null> => {
    if (item.type === 'group')
      return fittingItems(item.item ?? []).map((children) => ({
        linkId: item.linkId,
        item: children,
      }));
    const answers = fc.array(answerFor(item), { minLength: 1, maxLength: item.repeats ? 3 : 1 });
    const answered = answers.map((answer) => ({ linkId: item.linkId, answer }));
    return item.required ? answered : fc.option(answered);
  });
  return fc.tuple(...parts).map((list) => list.filter((i): i is ResponseItem => i !== null));
}

const withFittingAnswers = questionnaires.chain((q) =>
  fittingItems(q.item ?? []).map((item) => ({
    q,
    response: {
      resourceType: 'QuestionnaireResponse',
      status: 'completed',
      questionnaire: q.url,
      item,
    },
  })),
);

/** Every question (not group) in the questionnaire, with the path of response items to it. */
function questions(items: QuestionnaireItem[]): QuestionnaireItem[] {
  return items.flatMap((i) => (i.type === 'group' ? questions(i.item ?? []) : [i]));
}

/** A copy of the response items with one question's item replaced (or removed, for null). */
function replace(items: ResponseItem[], linkId: string, next: ResponseItem | null): ResponseItem[] {
  return items.flatMap((i) => {
    if (i.linkId === linkId) return next ? [next] : [];
    return i.item ? [{ ...i, item: replace(i.item, linkId, next) }] : [i];
  });
}

const WRONG: Record<AnswerType, Answer> = {
  boolean: { valueString: 'yes' },
  integer: { valueInteger: 1.5 },
  decimal: { valueString: '2.5' },
  date: { valueDate: '2023-02-30' },
  string: { valueInteger: 7 },
  text: { valueBoolean: true },
  choice: { valueCoding: { system: SYSTEM, code: 'not-an-option-at-all' } },
};

describe('answers to a questionnaire', () => {
  it('that fit are accepted', () => {
    fc.assert(
      fc.property(withFittingAnswers, ({ q, response }) => {
        expect(answerProblems(q, response)).toEqual([]);
      }),
    );
  });

  it('missing a required answer name that question', () => {
    fc.assert(
      fc.property(withFittingAnswers, fc.nat(), ({ q, response }, pick) => {
        const required = questions(q.item ?? []).filter((i) => i.required);
        fc.pre(required.length > 0);
        const target = required[pick % required.length] as QuestionnaireItem;
        const item = replace(response.item, target.linkId, null);
        expect(answerProblems(q, { ...response, item })).toContainEqual(
          expect.objectContaining({ linkId: target.linkId, code: 'required' }),
        );
      }),
    );
  });

  it('of the wrong type, or not an option, name that question', () => {
    fc.assert(
      fc.property(withFittingAnswers, fc.nat(), ({ q, response }, pick) => {
        const all = questions(q.item ?? []);
        const target = all[pick % all.length] as QuestionnaireItem;
        const wrong = { linkId: target.linkId, answer: [WRONG[target.type as AnswerType]] };
        // Put the wrong answer where the question is (inside its groups).
        const item = hasAnswer(response.item, target.linkId)
          ? replace(response.item, target.linkId, wrong)
          : insertAt(q.item ?? [], response.item, target.linkId, wrong);
        const problems = answerProblems(q, { ...response, item });
        expect(problems).toContainEqual(
          expect.objectContaining({
            linkId: target.linkId,
            code: target.type === 'choice' ? 'not_an_option' : 'wrong_type',
          }),
        );
      }),
    );
  });

  it('outside the allowed range are too low or too high', () => {
    fc.assert(
      fc.property(withFittingAnswers, fc.nat(), fc.boolean(), ({ q, response }, pick, low) => {
        const bounded = questions(q.item ?? []).filter(
          (i) => (i.type === 'integer' || i.type === 'decimal') && i.extension,
        );
        fc.pre(bounded.length > 0);
        const target = bounded[pick % bounded.length] as QuestionnaireItem;
        const limit = target.extension?.[low ? 0 : 1]?.valueInteger as number;
        const value = low ? limit - 1 : limit + 1;
        const key = target.type === 'integer' ? 'valueInteger' : 'valueDecimal';
        const wrong = { linkId: target.linkId, answer: [{ [key]: value }] };
        const item = hasAnswer(response.item, target.linkId)
          ? replace(response.item, target.linkId, wrong)
          : insertAt(q.item ?? [], response.item, target.linkId, wrong);
        expect(answerProblems(q, { ...response, item })).toContainEqual({
          linkId: target.linkId,
          code: low ? 'too_low' : 'too_high',
          message: `must be ${low ? 'at least' : 'at most'} ${limit}`,
          limit,
        });
      }),
    );
  });

  it('to questions it does not ask, or twice to one, are named', () => {
    fc.assert(
      fc.property(withFittingAnswers, ({ q, response }) => {
        const stray = { linkId: 'not-in-the-questionnaire', answer: [{ valueBoolean: true }] };
        const first = response.item[0];
        const item = [...response.item, stray, ...(first ? [first] : [])];
        const problems = answerProblems(q, { ...response, item });
        expect(problems).toContainEqual(
          expect.objectContaining({ linkId: stray.linkId, code: 'unknown_question' }),
        );
        if (first)
          expect(problems).toContainEqual(
            expect.objectContaining({ linkId: first.linkId, code: 'repeated_question' }),
          );
      }),
    );
  });

  it('never throw, whatever is sent, and explain themselves with known codes', () => {
    fc.assert(
      fc.property(questionnaires, fc.anything(), fc.anything(), (q, junk, items) => {
        for (const response of [
          junk,
          { resourceType: 'QuestionnaireResponse', status: 'completed', item: items },
          { resourceType: 'QuestionnaireResponse', status: 'completed', item: [items, junk] },
        ]) {
          const problems = answerProblems(q, response);
          for (const p of problems) expect(ANSWER_PROBLEMS).toContain(p.code);
        }
      }),
    );
  });

  it('must be a completed response to this questionnaire', () => {
    const q = demoQuestionnaires['office-visit'] as Questionnaire;
    for (const response of [
      { resourceType: 'QuestionnaireResponse', status: 'in-progress', item: [] },
      { resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: 'urn:other' },
      { resourceType: 'Patient' },
    ])
      expect(answerProblems(q, response)).toEqual([
        expect.objectContaining({ linkId: null, code: 'malformed' }),
      ]);
  });
});

function hasAnswer(items: ResponseItem[], linkId: string): boolean {
  return items.some((i) => i.linkId === linkId || hasAnswer(i.item ?? [], linkId));
}

/** The response with `next` added where `linkId` sits in the questionnaire, adding its groups as needed. */
function insertAt(
  questionsAt: QuestionnaireItem[],
  items: ResponseItem[],
  linkId: string,
  next: ResponseItem,
): ResponseItem[] {
  for (const q of questionsAt) {
    if (q.linkId === linkId) return [...items, next];
    if (q.type !== 'group' || !JSON.stringify(q.item ?? []).includes(`"${linkId}"`)) continue;
    const group = items.find((i) => i.linkId === q.linkId);
    const inside = insertAt(q.item ?? [], group?.item ?? [], linkId, next);
    return group
      ? items.map((i) => (i === group ? { ...i, item: inside } : i))
      : [...items, { linkId: q.linkId, item: inside }];
  }
  return items;
}

describe('dates', () => {
  it('are years, months or real calendar days', () => {
    expect(['2024', '2024-02', '2024-02-29'].every(isFhirDate)).toBe(true);
    expect(['2023-02-29', '2024-13', '24-01-01', '2024-1-1', ''].some(isFhirDate)).toBe(false);
  });
});

describe("texts in the reader's language", () => {
  const q = demoQuestionnaires['video-visit'] as Questionnaire;
  const [location] = q.item ?? [];

  it('come from the translation extension, and fall back to the text itself', () => {
    expect(itemText(location as QuestionnaireItem, 'es')).toBe(
      '¿Dónde estará durante la consulta por video?',
    );
    expect(itemText(location as QuestionnaireItem, 'es-MX')).toBe(
      '¿Dónde estará durante la consulta por video?',
    );
    expect(itemText(location as QuestionnaireItem, 'en')).toBe(
      'Where will you be during the video visit?',
    );
    expect(itemText(location as QuestionnaireItem, 'fr')).toBe(
      'Where will you be during the video visit?',
    );
    const [home] = location?.answerOption ?? [];
    expect(optionLabel(home as never, 'es')).toBe('En casa');
  });

  it('exist in both languages for every demo question', () => {
    const all = (items: QuestionnaireItem[]): QuestionnaireItem[] =>
      items.flatMap((i) => [i, ...all(i.item ?? [])]);
    for (const form of Object.values(demoQuestionnaires))
      for (const item of all(form.item ?? [])) {
        expect(itemText(item, 'es'), item.linkId).not.toBe(itemText(item, 'en'));
        for (const o of item.answerOption ?? [])
          expect(optionLabel(o, 'es')).not.toBe(optionLabel(o, 'en'));
      }
  });
});
