import { useTranslation } from 'react-i18next';
import { TextField } from '../forms/TextField.tsx';
import { calendarDate } from '../i18n/format.ts';
import {
  type CheckIn,
  type CheckInForm,
  fieldId,
  LIST_ANSWERS,
  type Line,
  type ListKind,
  newLine,
} from './checkIn.ts';
import { Facts } from './Facts.tsx';

export interface StepProps {
  view: CheckIn;
  form: CheckInForm;
  lang: string;
  change: (patch: Partial<CheckInForm>) => void;
  errorFor: (field: string) => string | undefined;
}

export function DetailsStep({ view, form, lang, change, errorFor }: StepProps) {
  const { t } = useTranslation();
  const d = view.current.demographics;
  return (
    <>
      <p>{t('checkIn.details.intro')}</p>
      <Facts
        rows={[
          [t('checkIn.details.name'), `${d.givenName} ${d.familyName}`],
          [t('checkIn.details.birthDate'), calendarDate(lang, d.birthDate)],
        ]}
      />
      <p className="field__hint">{t('checkIn.details.nameHint')}</p>
      <TextField
        id={fieldId('phone')}
        label={t('checkIn.details.phone')}
        hint={t('checkIn.details.phoneHint')}
        type="tel"
        autoComplete="tel"
        value={form.phone}
        onValue={(phone) => change({ phone })}
        error={errorFor('phone')}
      />
      <TextField
        id={fieldId('email')}
        label={t('checkIn.details.email')}
        type="email"
        autoComplete="email"
        value={form.email}
        onValue={(email) => change({ email })}
        error={errorFor('email')}
      />
    </>
  );
}

export function InsuranceStep({ view, form, change, errorFor }: StepProps) {
  const { t } = useTranslation();
  const known = view.current.insurance;
  return (
    <>
      <p>
        {known
          ? t('checkIn.insurance.onFile', { payer: known.payer, memberId: known.memberId })
          : t('checkIn.insurance.none')}
      </p>
      <fieldset>
        <legend>{t('checkIn.insurance.choice')}</legend>
        {(['same', 'update'] as const).map((choice) => (
          <div className="radio" key={choice}>
            <input
              id={fieldId(`insurance-${choice}`)}
              type="radio"
              name="insurance"
              value={choice}
              checked={form.insurance === choice}
              onChange={() => change({ insurance: choice })}
            />
            <label htmlFor={fieldId(`insurance-${choice}`)}>
              {t(`checkIn.insurance.${choice}`)}
            </label>
          </div>
        ))}
      </fieldset>
      {form.insurance === 'update' && (
        <>
          <TextField
            id={fieldId('payer')}
            label={t('checkIn.insurance.payer')}
            value={form.payer}
            maxLength={100}
            required
            onValue={(payer) => change({ payer })}
            error={errorFor('payer')}
          />
          <TextField
            id={fieldId('memberId')}
            label={t('checkIn.insurance.memberId')}
            value={form.memberId}
            maxLength={50}
            required
            autoComplete="off"
            onValue={(memberId) => change({ memberId })}
            error={errorFor('memberId')}
          />
          <TextField
            id={fieldId('groupNumber')}
            label={t('checkIn.insurance.groupNumber')}
            value={form.groupNumber}
            maxLength={50}
            autoComplete="off"
            onValue={(groupNumber) => change({ groupNumber })}
            error={errorFor('groupNumber')}
          />
        </>
      )}
    </>
  );
}

/** The medication or allergy list: each known entry kept or not, and lines the patient adds. */
export function ListStep({ kind, form, change, errorFor }: StepProps & { kind: ListKind }) {
  const { t } = useTranslation();
  const list = form[kind];
  const set = (i: number, patch: Partial<Line>) =>
    change({ [kind]: list.map((l, j) => (j === i ? { ...l, ...patch } : l)) });
  const known = list.filter((l) => l.id !== null);
  return (
    <>
      <p>{t(`checkIn.${kind}.intro`)}</p>
      {known.length === 0 && <p>{t(`checkIn.${kind}.none`)}</p>}
      <ul className="plain-list sections">
        {list.map((line, i) => (
          <li key={line.key} className="list-line">
            {line.id === null ? (
              <NewLine
                kind={kind}
                line={line}
                index={i}
                set={set}
                errorFor={errorFor}
                remove={() => change({ [kind]: list.filter((_, j) => j !== i) })}
              />
            ) : (
              <KnownLine kind={kind} line={line} index={i} set={set} errorFor={errorFor} />
            )}
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="button button--secondary"
        onClick={() => change({ [kind]: [...list, newLine()] })}
      >
        {t(`checkIn.${kind}.add`)}
      </button>
    </>
  );
}

interface LineProps {
  kind: ListKind;
  line: Line;
  index: number;
  set: (i: number, patch: Partial<Line>) => void;
  errorFor: (field: string) => string | undefined;
}

function KnownLine({ kind, line, index, set, errorFor }: LineProps) {
  const { t } = useTranslation();
  const field = `${kind}.${index}`;
  const id = fieldId(field);
  const error = errorFor(field);
  return (
    <>
      <fieldset
        className={error ? 'field field--error' : 'field'}
        aria-describedby={error ? `${id}-error` : undefined}
      >
        <legend>
          {line.name}
          <span className="required-mark"> ({t('checkIn.required')})</span>
        </legend>
        {line.detail && <p className="list-line__detail">{line.detail}</p>}
        {error && (
          <p id={`${id}-error`} className="field__error">
            {error}
          </p>
        )}
        {LIST_ANSWERS[kind].map((answer, j) => (
          <div className="radio" key={answer}>
            <input
              id={j === 0 ? id : `${id}-${answer}`}
              type="radio"
              name={id}
              value={answer}
              required
              checked={line.status === answer}
              onChange={() => set(index, { status: answer })}
            />
            <label htmlFor={j === 0 ? id : `${id}-${answer}`}>
              {t(`checkIn.${kind}.${answer}` as 'checkIn.medications.taking')}
            </label>
          </div>
        ))}
      </fieldset>
      <TextField
        id={fieldId(`${field}.text`)}
        label={t(`checkIn.${kind}.note`, { name: line.name })}
        hint={t(`checkIn.${kind}.noteHint`)}
        value={line.text}
        maxLength={500}
        autoComplete="off"
        onValue={(text) => set(index, { text })}
        error={errorFor(`${field}.text`)}
      />
    </>
  );
}

function NewLine({ kind, line, index, set, errorFor, remove }: LineProps & { remove: () => void }) {
  const { t } = useTranslation();
  const field = `${kind}.${index}.text`;
  return (
    <>
      <TextField
        id={fieldId(field)}
        label={
          <>
            {t(`checkIn.${kind}.newLabel`)}
            <span className="required-mark"> ({t('checkIn.required')})</span>
          </>
        }
        value={line.text}
        maxLength={500}
        required
        autoComplete="off"
        onValue={(text) => set(index, { text })}
        error={errorFor(field)}
      />
      <button type="button" className="link-button" onClick={remove}>
        {t('checkIn.remove', { name: line.text.trim() || t(`checkIn.${kind}.unnamed`) })}
      </button>
    </>
  );
}
