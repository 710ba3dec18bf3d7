// The questionnaire as the form keeps it (one string per question, a list
// for a question with several answers) and as FHIR sends it (a
// QuestionnaireResponse). What a person typed that is no number or date
// becomes an answer the shared checker refuses, so the form explains it.
import type {
  Answer,
  AnswerOption,
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponse,
  ResponseItem,
} from '../../../src/modules/scheduling/questionnaire.ts';

export type AnswerValues = Record<string, string | string[]>;

/** A stable key for an answer option (the form's radio and checkbox values). */
export function optionKey(option: AnswerOption): string {
  if (option.valueCoding)
    return `${option.valueCoding.system ?? ''}|${option.valueCoding.code ?? ''}`;
  return String(option.valueString ?? option.valueInteger ?? option.valueDate ?? '');
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** One typed value as a FHIR answer; undefined when nothing was given. */
function answerOf(item: QuestionnaireItem, raw: string): Answer | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  switch (item.type) {
    case 'boolean':
      return { valueBoolean: text === 'true' };
    case 'integer':
      return { valueInteger: INTEGER.test(text) ? Number(text) : Number.NaN };
    case 'decimal': {
      // "3,5" is how Spanish writes three and a half.
      const dotted = text.replace(',', '.');
      return { valueDecimal: DECIMAL.test(dotted) ? Number(dotted) : Number.NaN };
    }
    case 'date':
      return { valueDate: text };
    case 'choice': {
      const option = item.answerOption?.find((o) => optionKey(o) === text);
      if (!option?.valueCoding) return option ? { ...option } : { valueString: text };
      const { system, code, display } = option.valueCoding;
      return { valueCoding: { system, code, display } };
    }
    default:
      return { valueString: text };
  }
}

function responseItems(items: QuestionnaireItem[], values: AnswerValues): ResponseItem[] {
  const out: ResponseItem[] = [];
  for (const item of items) {
    if (item.type === 'group') {
      const inside = responseItems(item.item ?? [], values);
      if (inside.length > 0) out.push({ linkId: item.linkId, item: inside });
      continue;
    }
    const given = values[item.linkId];
    const raws = Array.isArray(given) ? given : given === undefined ? [] : [given];
    const answer = raws
      .map((raw) => answerOf(item, raw))
      .filter((a): a is Answer => a !== undefined);
    if (answer.length > 0) out.push({ linkId: item.linkId, answer });
  }
  return out;
}

/** The form's values as a completed QuestionnaireResponse (questions left blank are left out). */
export function responseOf(q: Questionnaire, values: AnswerValues): QuestionnaireResponse {
  return {
    resourceType: 'QuestionnaireResponse',
    status: 'completed',
    ...(q.url ? { questionnaire: q.url } : {}),
    item: responseItems(q.item ?? [], values),
  };
}

function rawOf(item: QuestionnaireItem, a: Answer): string {
  if (a.valueBoolean !== undefined) return String(a.valueBoolean);
  if (a.valueCoding) return `${a.valueCoding.system ?? ''}|${a.valueCoding.code ?? ''}`;
  const v = a.valueInteger ?? a.valueDecimal ?? a.valueDate ?? a.valueString;
  if (item.type === 'choice')
    return optionKey({ [Object.keys(a)[0] as string]: v } as AnswerOption);
  return v === undefined ? '' : String(v);
}

/** A response sent before, back into the form (to change it before the clinic reviews it). */
export function valuesOf(q: Questionnaire, response: unknown): AnswerValues {
  const values: AnswerValues = {};
  const byLinkId = new Map<string, QuestionnaireItem>();
  const index = (items: QuestionnaireItem[]) => {
    for (const i of items) {
      byLinkId.set(i.linkId, i);
      index(i.item ?? []);
    }
  };
  index(q.item ?? []);
  const walk = (items: ResponseItem[]) => {
    for (const r of items) {
      const item = byLinkId.get(r.linkId);
      if (item && r.answer) {
        const raws = r.answer.map((a) => rawOf(item, a));
        values[r.linkId] = item.repeats ? raws : (raws[0] ?? '');
      }
      walk(r.item ?? []);
    }
  };
  walk((response as QuestionnaireResponse | null)?.item ?? []);
  return values;
}

/** The questions to answer, in order, out of their groups. */
export const questions = (items: QuestionnaireItem[]): QuestionnaireItem[] =>
  items.flatMap((i) =>
    i.type === 'group' ? questions(i.item ?? []) : i.type === 'display' ? [] : [i],
  );
