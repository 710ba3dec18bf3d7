// Check-in as the page keeps it: the steps, the form's values (filled from
// what the portal knows, or from the check-in sent before), the request it
// sends, and which step and field each problem belongs to. Free of React,
// so it can be unit tested.
import type { Static } from 'typebox';
import type {
  CheckInBody,
  CheckInView,
  CurrentValues,
} from '../../../src/modules/scheduling/check-in-model.ts';
import {
  type AnswerProblem,
  answerProblems,
  type Questionnaire,
  type QuestionnaireItem,
} from '../../../src/modules/scheduling/questionnaire.ts';
import { type AnswerValues, responseOf, valuesOf } from './questionnaireAnswers.ts';

export type CheckIn = Static<typeof CheckInView>;
export type { CheckInBody, CurrentValues };

export const STEPS = [
  'details',
  'insurance',
  'medications',
  'allergies',
  'questionnaire',
  'review',
] as const;
export type Step = (typeof STEPS)[number];

/** The steps of this check-in: the questionnaire only when the visit has one. */
export const stepsFor = (questionnaire: Questionnaire | null): Step[] =>
  STEPS.filter((s) => s !== 'questionnaire' || questionnaire !== null);

export type ListKind = 'medications' | 'allergies';
/** A known entry kept, one no longer so, or one the patient adds. */
export const LIST_ANSWERS = {
  medications: ['taking', 'not_taking'],
  allergies: ['allergic', 'not_allergic'],
} as const;

export interface Line {
  /** The form's own key (new lines have no id). */
  key: string;
  /** The record's id; null for a line the patient adds. */
  id: string | null;
  name: string;
  /** Dose and instructions, or reactions: shown under the name. */
  detail: string;
  /** '' until the patient says; 'new' for an added line. */
  status: string;
  text: string;
}

export interface CheckInForm {
  phone: string;
  email: string;
  insurance: 'same' | 'update';
  payer: string;
  memberId: string;
  groupNumber: string;
  medications: Line[];
  allergies: Line[];
  answers: AnswerValues;
}

let added = 0;
export const newLine = (): Line => ({
  key: `new-${++added}`,
  id: null,
  name: '',
  detail: '',
  status: 'new',
  text: '',
});

function lines(
  known: { id: string; name: string; detail: string }[],
  sent: { id: string | null; status: string; text: string }[] | undefined,
): Line[] {
  const before = new Map((sent ?? []).map((s) => [s.id, s]));
  const kept = known.map((k) => ({
    key: k.id,
    id: k.id,
    name: k.name,
    detail: k.detail,
    status: before.get(k.id)?.status ?? '',
    text: before.get(k.id)?.text ?? '',
  }));
  const addedBefore = (sent ?? [])
    .filter((s) => s.status === 'new')
    .map((s) => ({ ...newLine(), text: s.text }));
  return [...kept, ...addedBefore];
}

/** The form as it opens: what the portal knows, with any check-in sent before on top. */
export function startingForm(view: CheckIn): CheckInForm {
  const { current } = view;
  const changes = view.submission?.changes;
  const insurance = changes?.insurance;
  const q = view.questionnaire as Questionnaire | null;
  return {
    phone: changes?.demographics.phone?.to ?? current.demographics.phone ?? '',
    email: changes?.demographics.email?.to ?? current.demographics.email ?? '',
    insurance: insurance ? 'update' : 'same',
    payer: insurance?.payer ?? '',
    memberId: insurance?.memberId ?? '',
    groupNumber: insurance?.groupNumber ?? '',
    medications: lines(
      current.medications.map((m) => ({
        id: m.id,
        name: m.name,
        detail: m.instructions.join('; '),
      })),
      changes?.medications,
    ),
    allergies: lines(
      current.allergies.map((a) => ({
        id: a.id,
        name: a.substance,
        detail: a.reactions.join(', '),
      })),
      changes?.allergies,
    ),
    answers: q && view.submission ? valuesOf(q, view.submission.questionnaireResponse) : {},
  };
}

const changed = (value: string, before: string | null) => {
  const v = value.trim();
  return v !== '' && v !== (before ?? '') ? v : undefined;
};

/** The request: only changed contact details, the insurance if updated, every answered line. */
export function bodyOf(
  form: CheckInForm,
  current: CurrentValues,
  questionnaire: Questionnaire | null,
): CheckInBody {
  const phone = changed(form.phone, current.demographics.phone);
  const email = changed(form.email, current.demographics.email);
  const list = (ls: Line[]) =>
    ls
      .filter((l) => l.status !== '')
      .map((l) => ({
        ...(l.id ? { id: l.id } : {}),
        status: l.status,
        ...(l.text.trim() ? { text: l.text.trim() } : {}),
      }));
  return {
    demographics: { ...(phone && { phone }), ...(email && { email }) },
    ...(form.insurance === 'update' && {
      insurance: {
        payer: form.payer.trim(),
        memberId: form.memberId.trim(),
        ...(form.groupNumber.trim() && { groupNumber: form.groupNumber.trim() }),
      },
    }),
    medications: list(form.medications) as CheckInBody['medications'],
    allergies: list(form.allergies) as CheckInBody['allergies'],
    ...(questionnaire && {
      questionnaireResponse: responseOf(
        questionnaire,
        form.answers,
      ) as CheckInBody['questionnaireResponse'],
    }),
  };
}

/** A problem on the form: the field key (see fieldId) and what is wrong, as a code. */
export interface FormProblem {
  field: string;
  code: string;
  limit?: number;
  /** For a question: its type, to say what kind of answer it wants. */
  type?: string;
  /** Already in words (the server's explanation). */
  message?: string;
}

// The server's rule, so a typo is explained before sending.
const PHONE = /^\+?[0-9][0-9 ().-]{5,28}[0-9]$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What is wrong on one step before it may be left. */
export function stepProblems(
  step: Step,
  form: CheckInForm,
  questionnaire: Questionnaire | null,
): FormProblem[] {
  switch (step) {
    case 'details':
      return [
        ...(form.phone.trim() && !PHONE.test(form.phone.trim())
          ? [{ field: 'phone', code: 'phone' }]
          : []),
        ...(form.email.trim() && !EMAIL.test(form.email.trim())
          ? [{ field: 'email', code: 'email' }]
          : []),
      ];
    case 'insurance':
      if (form.insurance === 'same') return [];
      return (['payer', 'memberId'] as const)
        .filter((f) => form[f].trim() === '')
        .map((field) => ({ field, code: 'required' }));
    case 'medications':
    case 'allergies':
      return form[step].flatMap((l, i) => {
        if (l.status === '') return [{ field: `${step}.${i}`, code: 'choose' }];
        if (l.status === 'new' && l.text.trim() === '')
          return [{ field: `${step}.${i}.text`, code: 'required' }];
        return [];
      });
    case 'questionnaire':
      if (!questionnaire) return [];
      return answerProblems(questionnaire, responseOf(questionnaire, form.answers)).map((p) =>
        questionProblem(questionnaire, p),
      );
    default:
      return [];
  }
}

/** The question (or group) with this linkId, wherever it sits. */
export function findItem(
  items: Questionnaire['item'],
  linkId: string,
): QuestionnaireItem | undefined {
  for (const i of items ?? []) {
    if (i.linkId === linkId) return i;
    const inside = findItem(i.item, linkId);
    if (inside) return inside;
  }
  return undefined;
}

function questionProblem(q: Questionnaire, p: AnswerProblem): FormProblem {
  const type = p.linkId === null ? undefined : findItem(q.item, p.linkId)?.type;
  return {
    field: p.linkId === null ? 'questionnaire' : `q.${p.linkId}`,
    code: p.code,
    ...(p.limit !== undefined && { limit: p.limit }),
    ...(type && { type }),
  };
}

/** The server's field name ("medications.1.text", "questionnaireResponse.pain") as the form's step and field. */
export function fromServerField(field: string): { step: Step; field: string } | null {
  const [head = '', ...rest] = field.split('.');
  if (head === 'demographics' && rest[0]) return { step: 'details', field: rest[0] };
  if (head === 'insurance') return { step: 'insurance', field: rest[0] ?? 'payer' };
  if (head === 'medications' || head === 'allergies')
    return {
      step: head,
      field: rest[1] === 'text' ? `${head}.${rest[0]}.text` : `${head}.${rest[0]}`,
    };
  if (head === 'questionnaireResponse')
    return { step: 'questionnaire', field: rest.length ? `q.${rest.join('.')}` : 'questionnaire' };
  return null;
}

/** An element id for a field key (ids may not hold spaces). */
export const fieldId = (field: string) => `checkin-${field.replace(/\s/g, '_')}`;
