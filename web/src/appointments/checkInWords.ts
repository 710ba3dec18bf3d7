// Check-in's problems and refusals in the reader's language.
import type { TFunction } from 'i18next';
import {
  itemText,
  optionLabel,
  type Questionnaire,
  type QuestionnaireItem,
} from '../../../src/modules/scheduling/questionnaire.ts';
import { ApiError } from '../api.ts';
import { errorMessage, fieldMessage } from '../forms/messages.ts';
import type { Problem } from '../forms/problems.ts';
import { serverFieldProblems } from '../forms/problems.ts';
import {
  type CheckInForm,
  type FormProblem,
  findItem,
  fromServerField,
  type Step,
} from './checkIn.ts';
import { optionKey } from './questionnaireAnswers.ts';
import { timeText, whenText } from './when.ts';

const QUESTION_CODES = [
  'required',
  'empty',
  'one_answer',
  'not_an_option',
  'too_low',
  'too_high',
  'too_long',
] as const;
const TYPES = ['boolean', 'integer', 'decimal', 'date', 'string', 'text', 'choice'] as const;

const isOneOf = <T extends string>(list: readonly T[], v: string | undefined): v is T =>
  v !== undefined && (list as readonly string[]).includes(v);

/** One problem on the form in words, naming the line it is about. */
export function problemMessage(t: TFunction, p: FormProblem, form: CheckInForm): string {
  if (p.message) return p.message;
  const [head, index] = p.field.split('.');
  if (head === 'medications' || head === 'allergies') {
    const name = form[head][Number(index)]?.name ?? '';
    if (p.code === 'choose')
      return t(
        head === 'medications'
          ? 'checkIn.problems.chooseMedication'
          : 'checkIn.problems.chooseAllergy',
        {
          name,
        },
      );
    return t(
      head === 'medications' ? 'checkIn.problems.newMedication' : 'checkIn.problems.newAllergy',
    );
  }
  if (p.field === 'phone' || p.field === 'email' || p.field === 'payer' || p.field === 'memberId')
    return t(`checkIn.problems.${p.field}`);
  if (p.code === 'wrong_type' && isOneOf(TYPES, p.type))
    return t(`checkIn.problems.wrongType.${p.type}`);
  if (isOneOf(QUESTION_CODES, p.code))
    return t(`checkIn.problems.question.${p.code}`, { limit: p.limit });
  return t('checkIn.problems.question.other');
}

export const asProblems = (t: TFunction, problems: FormProblem[], form: CheckInForm): Problem[] =>
  problems.map((p) => ({ field: p.field, message: problemMessage(t, p, form) }));

/** For the error summary, far from the fields: a question's problem names the question. */
export function summaryProblems(
  t: TFunction,
  problems: Problem[],
  q: Questionnaire | null,
  lang: string,
): Problem[] {
  return problems.map((p) => {
    const item = q && p.field?.startsWith('q.') ? findItem(q.item, p.field.slice(2)) : undefined;
    return item
      ? {
          ...p,
          message: t('checkIn.problems.onQuestion', {
            problem: p.message,
            question: itemText(item, lang),
          }),
        }
      : p;
  });
}

/**
 * A refused submission: field problems go to their step (the first such step
 * is returned), anything else is one message for the page.
 */
export function serverProblems(
  t: TFunction,
  lang: string,
  error: unknown,
): { step: Step | null; problems: FormProblem[] } {
  if (error instanceof ApiError) {
    const placed = serverFieldProblems(error)
      .map((d) => ({ at: fromServerField(d.field), message: fieldMessage(t, d) }))
      .filter((d) => d.at !== null);
    const first = placed[0]?.at;
    if (first)
      return {
        step: first.step,
        problems: placed
          .filter((d) => d.at?.step === first.step)
          .map((d) => ({ field: d.at?.field ?? '', code: 'server', message: d.message })),
      };
  }
  return {
    step: null,
    problems: [{ field: '', code: 'server', message: refusalText(t, lang, error) }],
  };
}

const CHECK_IN_REFUSALS = ['not_live', 'not_confirmed', 'started', 'arrived', 'reviewed'] as const;
const ARRIVAL_REFUSALS = ['not_live', 'not_confirmed', 'too_late'] as const;

/** A 409 from check-in or "I'm here", with the opening time in the clinic's zone when it says one. */
export function refusalText(t: TFunction, lang: string, error: unknown, timeZone?: string): string {
  if (!(error instanceof ApiError)) return errorMessage(t, lang, error);
  const opensAt = (error.details as { opensAt?: string } | undefined)?.opensAt;
  const [what, ...rest] = error.code.split('_');
  const refusal = rest.join('_');
  if (error.code === 'check_in_not_yet' && opensAt && timeZone)
    return t('checkIn.closed.not_yet', { when: whenText(lang, opensAt, timeZone) });
  if (error.code === 'arrival_not_yet' && opensAt && timeZone)
    return t('checkIn.arrival.opensAt', { time: timeText(lang, opensAt, timeZone) });
  if (error.code.startsWith('check_in_') && isOneOf(CHECK_IN_REFUSALS, error.code.slice(9)))
    return t(`checkIn.closed.${error.code.slice(9) as (typeof CHECK_IN_REFUSALS)[number]}`);
  if (what === 'arrival' && isOneOf(ARRIVAL_REFUSALS, refusal))
    return t(`checkIn.arrival.refused.${refusal}`);
  return errorMessage(t, lang, error);
}

/** An answer as the patient gave it, in words (yes/no and options in the reader's language). */
export function answerText(
  t: TFunction,
  item: QuestionnaireItem,
  value: string | string[] | undefined,
  lang: string,
): string {
  const raws = Array.isArray(value) ? value : value ? [value] : [];
  return raws
    .map((raw) => {
      if (item.type === 'boolean') return raw === 'true' ? t('checkIn.yes') : t('checkIn.no');
      const option = item.answerOption?.find((o) => optionKey(o) === raw);
      return option ? optionLabel(option, lang) : raw;
    })
    .join(', ');
}
