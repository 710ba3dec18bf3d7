import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
  isAnswerType,
  itemText,
  maxLength,
  numberLimits,
  optionLabel,
  type QuestionnaireItem,
} from '../../../src/modules/scheduling/questionnaire.ts';
import { TextField } from '../forms/TextField.tsx';
import { fieldId } from './checkIn.ts';
import type { AnswerValues } from './questionnaireAnswers.ts';
import { optionKey } from './questionnaireAnswers.ts';

interface Props {
  items: QuestionnaireItem[];
  values: AnswerValues;
  lang: string;
  onValue: (linkId: string, value: string | string[]) => void;
  errorFor: (field: string) => string | undefined;
}

// The clinic's questionnaire as form fields, in the reader's language: text,
// numbers, dates, yes/no and choices, groups as fieldsets. Each question's
// error sits next to it and is tied to its control.
export function QuestionnaireFields(props: Props) {
  return (
    <>
      {props.items.map((item) => (
        <Question key={item.linkId} item={item} {...props} />
      ))}
    </>
  );
}

function Question({ item, ...props }: Props & { item: QuestionnaireItem }) {
  const { t } = useTranslation();
  const text = itemText(item, props.lang);
  if (item.type === 'group')
    return (
      <fieldset className="question-group">
        <legend>{text}</legend>
        <QuestionnaireFields {...props} items={item.item ?? []} />
      </fieldset>
    );
  if (item.type === 'display') return <p>{text}</p>;
  if (!isAnswerType(item.type))
    return (
      <p>
        {text} <em>{t('checkIn.questionnaire.atDesk')}</em>
      </p>
    );
  const field = `q.${item.linkId}`;
  const id = fieldId(field);
  const error = props.errorFor(field);
  const label = <Label text={text} required={item.required} />;
  const value = props.values[item.linkId];
  const set = (v: string | string[]) => props.onValue(item.linkId, v);
  const range = numberRange(item);
  if (item.type === 'boolean' || item.type === 'choice')
    return (
      <Choices
        item={item}
        id={id}
        label={label}
        error={error}
        value={value}
        onValue={set}
        lang={props.lang}
      />
    );
  if (item.type === 'text')
    return (
      <TextArea
        id={id}
        label={label}
        error={error}
        value={String(value ?? '')}
        maxLength={maxLength(item)}
        onValue={set}
        required={item.required}
      />
    );
  return (
    <TextField
      id={id}
      label={label}
      hint={range && t('checkIn.questionnaire.between', range)}
      error={error}
      value={String(value ?? '')}
      onValue={set}
      required={item.required}
      autoComplete="off"
      {...inputKind(item)}
    />
  );
}

function inputKind(item: QuestionnaireItem) {
  switch (item.type) {
    case 'integer':
      return { inputMode: 'numeric' as const };
    case 'decimal':
      return { inputMode: 'decimal' as const };
    case 'date':
      return { type: 'date' };
    default:
      return { maxLength: maxLength(item) };
  }
}

/** "From 0 to 10", for a number with both limits. */
function numberRange(item: QuestionnaireItem): { min: number; max: number } | undefined {
  if (item.type !== 'integer' && item.type !== 'decimal') return undefined;
  const { min, max } = numberLimits(item);
  return min !== undefined && max !== undefined ? { min, max } : undefined;
}

function Label({ text, required }: { text: string; required?: boolean }) {
  const { t } = useTranslation();
  return (
    <>
      {text}
      {required && <span className="required-mark"> ({t('checkIn.required')})</span>}
    </>
  );
}

function Choices(p: {
  item: QuestionnaireItem;
  id: string;
  label: ReactNode;
  error?: string;
  value: string | string[] | undefined;
  lang: string;
  onValue: (v: string | string[]) => void;
}) {
  const { t } = useTranslation();
  const { item } = p;
  const options =
    item.type === 'boolean'
      ? [
          { key: 'true', label: t('checkIn.yes') },
          { key: 'false', label: t('checkIn.no') },
        ]
      : (item.answerOption ?? []).map((o) => ({
          key: optionKey(o),
          label: optionLabel(o, p.lang),
        }));
  const many = item.type === 'choice' && Boolean(item.repeats);
  const chosen = Array.isArray(p.value) ? p.value : p.value ? [p.value] : [];
  const toggle = (key: string, on: boolean) =>
    p.onValue(many ? (on ? [...chosen, key] : chosen.filter((k) => k !== key)) : key);
  const errorId = `${p.id}-error`;
  return (
    <fieldset
      className={p.error ? 'field field--error' : 'field'}
      aria-describedby={p.error ? errorId : undefined}
    >
      <legend>{p.label}</legend>
      {p.error && (
        <p id={errorId} className="field__error">
          {p.error}
        </p>
      )}
      {options.map((o, i) => (
        <div className="radio" key={o.key}>
          {/* The first option carries the question's id: the error summary links to it. */}
          <input
            id={i === 0 ? p.id : `${p.id}-${i}`}
            type={many ? 'checkbox' : 'radio'}
            name={p.id}
            value={o.key}
            checked={chosen.includes(o.key)}
            required={!many && item.required}
            onChange={(event) => toggle(o.key, event.target.checked)}
          />
          <label htmlFor={i === 0 ? p.id : `${p.id}-${i}`}>{o.label}</label>
        </div>
      ))}
    </fieldset>
  );
}

function TextArea(p: {
  id: string;
  label: ReactNode;
  error?: string;
  value: string;
  maxLength: number;
  required?: boolean;
  onValue: (v: string) => void;
}) {
  const errorId = p.error ? `${p.id}-error` : undefined;
  return (
    <div className={p.error ? 'field field--error' : 'field'}>
      <label htmlFor={p.id}>{p.label}</label>
      {p.error && (
        <p id={errorId} className="field__error">
          {p.error}
        </p>
      )}
      <textarea
        id={p.id}
        value={p.value}
        maxLength={p.maxLength}
        required={p.required}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={errorId}
        onChange={(event) => p.onValue(event.target.value)}
      />
    </div>
  );
}
