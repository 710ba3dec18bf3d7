// A visit type's questionnaire (a FHIR R4 Questionnaire) and the patient's
// answers (a QuestionnaireResponse): texts in the reader's language, and
// whether the answers fit the questions. Pure and free of server code, so
// the check-in page checks answers the same way before it sends them.
// The portal answers the item types in ANSWER_TYPES; groups nest them and
// display items only show text.

export const TRANSLATION_URL = 'http://hl7.org/fhir/StructureDefinition/translation';
export const MIN_VALUE_URL = 'http://hl7.org/fhir/StructureDefinition/minValue';
export const MAX_VALUE_URL = 'http://hl7.org/fhir/StructureDefinition/maxValue';

export const ANSWER_TYPES = [
  'boolean',
  'decimal',
  'integer',
  'date',
  'string',
  'text',
  'choice',
] as const;
export type AnswerType = (typeof ANSWER_TYPES)[number];

/** Longest text answer when the question sets no maxLength. */
export const MAX_TEXT_ANSWER = 2000;

export interface Extension {
  url: string;
  valueCode?: string;
  valueString?: string;
  valueInteger?: number;
  valueDecimal?: number;
  extension?: Extension[];
}

/** A FHIR primitive's extensions (`_text`, `_display`): where translations live. */
export interface PrimitiveExtensions {
  extension?: Extension[];
}

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
  _display?: PrimitiveExtensions;
}

export interface AnswerOption {
  valueCoding?: Coding;
  valueString?: string;
  valueInteger?: number;
  valueDate?: string;
}

export interface QuestionnaireItem {
  linkId: string;
  text?: string;
  _text?: PrimitiveExtensions;
  type: string;
  required?: boolean;
  repeats?: boolean;
  maxLength?: number;
  answerOption?: AnswerOption[];
  extension?: Extension[];
  item?: QuestionnaireItem[];
}

export interface Questionnaire {
  resourceType: 'Questionnaire';
  url?: string;
  status: string;
  title?: string;
  _title?: PrimitiveExtensions;
  item?: QuestionnaireItem[];
}

export interface Answer {
  valueBoolean?: boolean;
  valueDecimal?: number;
  valueInteger?: number;
  valueDate?: string;
  valueString?: string;
  valueCoding?: Coding;
}

export interface ResponseItem {
  linkId: string;
  text?: string;
  answer?: Answer[];
  item?: ResponseItem[];
}

export interface QuestionnaireResponse {
  resourceType: 'QuestionnaireResponse';
  status: 'completed';
  questionnaire?: string;
  item?: ResponseItem[];
}

// ---- Texts in the reader's language -------------------------------------

/** The translation of a primitive for `lang` ('es', 'es-MX' matches 'es'), else the text itself. */
export function localText(
  text: string | undefined,
  extensions: PrimitiveExtensions | undefined,
  lang: string,
): string {
  const wanted = lang.toLowerCase().split('-')[0];
  for (const ext of extensions?.extension ?? []) {
    if (ext.url !== TRANSLATION_URL) continue;
    const code = ext.extension?.find((e) => e.url === 'lang')?.valueCode?.toLowerCase();
    const content = ext.extension?.find((e) => e.url === 'content')?.valueString;
    if (content && code && (code === lang.toLowerCase() || code.split('-')[0] === wanted))
      return content;
  }
  return text ?? '';
}

export const itemText = (item: QuestionnaireItem, lang: string) =>
  localText(item.text, item._text, lang) || item.linkId;

export const questionnaireTitle = (q: Questionnaire, lang: string) =>
  localText(q.title, q._title, lang);

/** An answer option as a person reads it. */
export function optionLabel(option: AnswerOption, lang: string): string {
  if (option.valueCoding)
    return (
      localText(option.valueCoding.display, option.valueCoding._display, lang) ||
      (option.valueCoding.code ?? '')
    );
  return String(option.valueString ?? option.valueInteger ?? option.valueDate ?? '');
}

export const isAnswerType = (type: string): type is AnswerType =>
  (ANSWER_TYPES as readonly string[]).includes(type);

/** The lowest and highest number a question allows (minValue / maxValue extensions). */
export function numberLimits(item: QuestionnaireItem): { min?: number; max?: number } {
  const limit = (url: string) => {
    const ext = item.extension?.find((e) => e.url === url);
    return ext?.valueInteger ?? ext?.valueDecimal;
  };
  return { min: limit(MIN_VALUE_URL), max: limit(MAX_VALUE_URL) };
}

export const maxLength = (item: QuestionnaireItem) =>
  Math.min(item.maxLength ?? MAX_TEXT_ANSWER, MAX_TEXT_ANSWER);

// ---- Checking the answers ------------------------------------------------

export const ANSWER_PROBLEMS = [
  'malformed',
  'unknown_question',
  'repeated_question',
  'not_answerable',
  'required',
  'one_answer',
  'wrong_type',
  'empty',
  'too_low',
  'too_high',
  'too_long',
  'not_an_option',
] as const;
export type AnswerProblemCode = (typeof ANSWER_PROBLEMS)[number];

export interface AnswerProblem {
  /** The question it is about; null for the response as a whole. */
  linkId: string | null;
  code: AnswerProblemCode;
  /** In English, for the API; the page words it in the reader's language from the code. */
  message: string;
  /** The bound broken (too_low, too_high, too_long). */
  limit?: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why the answers do not fit the questionnaire; empty when they do. */
export function answerProblems(q: Questionnaire, response: unknown): AnswerProblem[] {
  const problems: AnswerProblem[] = [];
  if (
    !isObject(response) ||
    response.resourceType !== 'QuestionnaireResponse' ||
    response.status !== 'completed' ||
    (response.questionnaire !== undefined &&
      q.url !== undefined &&
      response.questionnaire !== q.url)
  )
    return [problem(null, 'malformed', 'is not a completed response to this questionnaire')];
  checkItems(q.item ?? [], response.item, problems);
  return problems;
}

function problem(
  linkId: string | null,
  code: AnswerProblemCode,
  message: string,
  limit?: number,
): AnswerProblem {
  return limit === undefined ? { linkId, code, message } : { linkId, code, message, limit };
}

function checkItems(questions: QuestionnaireItem[], given: unknown, problems: AnswerProblem[]) {
  if (given !== undefined && !Array.isArray(given)) {
    problems.push(problem(null, 'malformed', 'items must be a list'));
    return;
  }
  const byLinkId = new Map(questions.map((q) => [q.linkId, q]));
  const seen = new Set<string>();
  for (const raw of given ?? []) {
    const linkId = isObject(raw) && typeof raw.linkId === 'string' ? raw.linkId : null;
    const question = linkId === null ? undefined : byLinkId.get(linkId);
    if (linkId === null || !question) {
      problems.push(problem(linkId, 'unknown_question', 'is not a question in this questionnaire'));
      continue;
    }
    if (seen.has(linkId)) {
      problems.push(problem(linkId, 'repeated_question', 'is answered more than once'));
      continue;
    }
    seen.add(linkId);
    checkItem(question, raw as Json, problems);
  }
  for (const question of questions)
    if (!seen.has(question.linkId)) checkUnanswered(question, problems);
}

function checkUnanswered(question: QuestionnaireItem, problems: AnswerProblem[]) {
  if (question.type === 'group') checkItems(question.item ?? [], undefined, problems);
  else if (question.required && isAnswerType(question.type))
    problems.push(problem(question.linkId, 'required', 'is required'));
}

const ITEM_KEYS = new Set(['linkId', 'text', 'answer', 'item']);

function checkItem(question: QuestionnaireItem, item: Json, problems: AnswerProblem[]) {
  const { linkId } = question;
  const odd = Object.keys(item).find((k) => !ITEM_KEYS.has(k));
  if (odd || (item.text !== undefined && typeof item.text !== 'string')) {
    problems.push(problem(linkId, 'malformed', `has a field this portal does not read: ${odd}`));
    return;
  }
  if (question.type === 'group') {
    if (item.answer !== undefined)
      problems.push(problem(linkId, 'not_answerable', 'is a group of questions, not a question'));
    else checkItems(question.item ?? [], item.item, problems);
    return;
  }
  if (!isAnswerType(question.type) || item.item !== undefined) {
    problems.push(problem(linkId, 'not_answerable', 'does not take an answer here'));
    return;
  }
  const answers = item.answer;
  if (answers !== undefined && !Array.isArray(answers)) {
    problems.push(problem(linkId, 'malformed', 'answers must be a list'));
    return;
  }
  if (!answers || answers.length === 0) {
    checkUnanswered(question, problems);
    return;
  }
  if (answers.length > 1 && !question.repeats) {
    problems.push(problem(linkId, 'one_answer', 'takes one answer'));
    return;
  }
  for (const answer of answers) {
    const found = answerProblem(question, question.type, answer);
    if (found) {
      problems.push(found);
      return;
    }
  }
}

const VALUE_KEY: Record<Exclude<AnswerType, 'choice'>, keyof Answer> = {
  boolean: 'valueBoolean',
  decimal: 'valueDecimal',
  integer: 'valueInteger',
  date: 'valueDate',
  string: 'valueString',
  text: 'valueString',
};

const WRONG_TYPE: Record<AnswerType, string> = {
  boolean: 'must be yes or no',
  decimal: 'must be a number',
  integer: 'must be a whole number',
  date: 'must be a date (YYYY-MM-DD)',
  string: 'must be text',
  text: 'must be text',
  choice: 'must be one of the options',
};

/** The one value an answer carries, by its key; null when it has none or several. */
function onlyValue(answer: unknown): [string, unknown] | null {
  if (!isObject(answer)) return null;
  const keys = Object.keys(answer);
  const key = keys[0];
  return keys.length === 1 && key?.startsWith('value') ? [key, answer[key]] : null;
}

function answerProblem(
  question: QuestionnaireItem,
  type: AnswerType,
  answer: unknown,
): AnswerProblem | null {
  const { linkId } = question;
  const value = onlyValue(answer);
  if (type === 'choice') return choiceProblem(question, value);
  if (!value || value[0] !== VALUE_KEY[type] || !valueFits(type, value[1]))
    return problem(linkId, 'wrong_type', WRONG_TYPE[type]);
  const v = value[1];
  if (typeof v === 'number') {
    const { min, max } = numberLimits(question);
    if (min !== undefined && v < min)
      return problem(linkId, 'too_low', `must be at least ${min}`, min);
    if (max !== undefined && v > max)
      return problem(linkId, 'too_high', `must be at most ${max}`, max);
  }
  if (typeof v === 'string' && (type === 'string' || type === 'text')) {
    if (v.trim() === '') return problem(linkId, 'empty', 'must not be empty');
    const most = maxLength(question);
    if (v.length > most)
      return problem(linkId, 'too_long', `must be at most ${most} characters`, most);
  }
  return null;
}

function valueFits(type: Exclude<AnswerType, 'choice'>, v: unknown): boolean {
  switch (type) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return Number.isSafeInteger(v);
    case 'decimal':
      return typeof v === 'number' && Number.isFinite(v);
    case 'date':
      return typeof v === 'string' && isFhirDate(v);
    default:
      return typeof v === 'string';
  }
}

/** A FHIR date: a year, a year and month, or a real calendar day. */
export function isFhirDate(v: string): boolean {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(v);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1)];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day
  );
}

function choiceProblem(
  question: QuestionnaireItem,
  value: [string, unknown] | null,
): AnswerProblem | null {
  const fits = value !== null && (question.answerOption ?? []).some((o) => sameOption(o, value));
  return fits ? null : problem(question.linkId, 'not_an_option', WRONG_TYPE.choice);
}

function sameOption(option: AnswerOption, [key, v]: [string, unknown]): boolean {
  const mine = (option as Record<string, unknown>)[key];
  if (mine === undefined) return false;
  if (key !== 'valueCoding') return mine === v;
  const a = mine as Coding;
  return isObject(v) && v.code === a.code && (v.system ?? null) === (a.system ?? null);
}
