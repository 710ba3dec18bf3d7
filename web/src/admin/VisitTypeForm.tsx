import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import type { Problem } from '../forms/problems.ts';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import {
  BOOKING_MODES,
  type ClinicVisitTypes,
  changeBody,
  createBody,
  type FormField,
  type FormProblem,
  type VisitTypeForm as FormValues,
  formOf,
  formProblems,
  newForm,
  PATIENT_KINDS,
  RULE_LIMITS,
  type RuleNumber,
  toggled,
  VISIT_MODES,
  type VisitType,
} from './visitTypes.ts';

const FIELDS: FormField[] = [
  'code',
  'nameEn',
  'nameEs',
  'booking',
  'patients',
  'mode',
  'minLeadMinutes',
  'maxDaysAhead',
  'changeCutoffHours',
  'maxFutureBookings',
  'providerIds',
];
const idFor = (field: string) => `visit-type-${field}`;

/**
 * Adds a visit type (`visitType` null) or changes one: names, how and by whom
 * it is booked, the booking window and cut-off with their units, the
 * providers who offer it, and whether it is offered at all.
 */
export function VisitTypeForm({
  options,
  visitType,
  onSaved,
  onCancel,
}: {
  options: ClinicVisitTypes;
  visitType: VisitType | null;
  onSaved: (saved: VisitType) => void;
  onCancel: () => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage === 'es' ? 'es' : 'en';
  const isNew = visitType === null;
  const [values, setValues] = useState<FormValues>(() =>
    visitType ? formOf(visitType) : newForm(options.providers),
  );
  const [busy, setBusy] = useState(false);
  const form = useProblems(FIELDS);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const set =
    <K extends keyof FormValues>(field: K) =>
    (value: FormValues[K]) =>
      setValues((v) => ({ ...v, [field]: value }));

  const say = (p: FormProblem): Problem => {
    const message =
      p.problem === 'window'
        ? t('visitRules.problems.window', { minutes: p.minutes })
        : p.problem === 'tooLong'
          ? t('visitRules.problems.tooLong', { max: p.max })
          : p.problem === 'whole' || p.problem === 'range'
            ? t('visitRules.problems.range', { min: p.min, max: p.max })
            : t(`visitRules.problems.${p.problem}`);
    return { field: p.field, message };
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const problems = formProblems(values, isNew).map(say);
    form.setProblems(problems);
    if (problems.length > 0) return;
    setBusy(true);
    try {
      const saved = isNew
        ? await api<VisitType>('/api/admin/scheduling/visit-types', {
            method: 'POST',
            json: createBody(options.clinic.id, values),
          })
        : await api<VisitType>(`/api/admin/scheduling/visit-types/${visitType.id}`, {
            method: 'PUT',
            json: changeBody(values),
          });
      onSaved(saved);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'duplicate_code')
        form.setProblems([{ field: 'code', message: t('visitRules.problems.codeTaken') }]);
      else form.fromError(error);
      setBusy(false);
    }
  };

  const title = isNew
    ? t('visitRules.form.newTitle')
    : t('visitRules.form.editTitle', { name: visitType.name[lang] });
  return (
    <section className="card section visit-type-form" aria-labelledby="visit-type-form-title">
      <h2 id="visit-type-form-title" ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        {isNew && (
          <TextField
            id={idFor('code')}
            label={t('visitRules.form.code')}
            hint={t('visitRules.form.codeHint')}
            value={values.code}
            onValue={set('code')}
            error={form.errorFor('code')}
            autoComplete="off"
            spellCheck={false}
          />
        )}
        <TextField
          id={idFor('nameEn')}
          label={t('visitRules.form.nameEn')}
          lang="en"
          value={values.nameEn}
          onValue={set('nameEn')}
          error={form.errorFor('nameEn')}
        />
        <TextField
          id={idFor('nameEs')}
          label={t('visitRules.form.nameEs')}
          lang="es"
          value={values.nameEs}
          onValue={set('nameEs')}
          error={form.errorFor('nameEs')}
        />
        <Choices
          field="booking"
          legend={t('visitRules.form.booking.legend')}
          choices={BOOKING_MODES.map((c) => ({
            value: c,
            label: t(`visitRules.form.booking.${c}`),
            help: t(`visitRules.form.booking.${c}Help`),
          }))}
          value={values.booking}
          onValue={set('booking')}
          error={form.errorFor('booking')}
        />
        <Choices
          field="patients"
          legend={t('visitRules.form.patients.legend')}
          choices={PATIENT_KINDS.map((c) => ({
            value: c,
            label: t(`visitRules.form.patients.${c}`),
            help: t(`visitRules.form.patients.${c}Help`),
          }))}
          value={values.patients}
          onValue={set('patients')}
          error={form.errorFor('patients')}
        />
        <Choices
          field="mode"
          legend={t('visitRules.form.mode.legend')}
          choices={VISIT_MODES.map((c) => ({
            value: c,
            label: t(`visitRules.form.mode.${c}`),
            help: t(`visitRules.form.mode.${c}Help`),
          }))}
          value={values.mode}
          onValue={set('mode')}
          error={form.errorFor('mode')}
        />
        {(
          ['minLeadMinutes', 'maxDaysAhead', 'changeCutoffHours', 'maxFutureBookings'] as const
        ).map((field) => (
          <NumberField
            key={field}
            field={field}
            value={values[field]}
            onValue={set(field)}
            error={form.errorFor(field)}
          />
        ))}
        <fieldset
          className="rule-choices"
          aria-describedby={form.errorFor('providerIds') ? 'visit-type-providers-error' : undefined}
        >
          <legend id={idFor('providerIds')} tabIndex={-1}>
            {t('visitRules.form.providers')}
          </legend>
          {form.errorFor('providerIds') && (
            <p id="visit-type-providers-error" className="field__error">
              {form.errorFor('providerIds')}
            </p>
          )}
          {options.providers.length === 0 && <p>{t('visitRules.form.noProviders')}</p>}
          {options.providers.map((p) => (
            <div key={p.id} className="checkbox">
              <input
                id={`visit-type-provider-${p.id}`}
                type="checkbox"
                checked={values.providerIds.includes(p.id)}
                onChange={(e) =>
                  set('providerIds')(
                    toggled(values.providerIds, p.id, e.target.checked, options.providers),
                  )
                }
              />
              <label htmlFor={`visit-type-provider-${p.id}`}>
                {p.name}
                {!p.active && ` ${t('visitRules.form.providerInactive')}`}
              </label>
            </div>
          ))}
        </fieldset>
        {!isNew && (
          <div className="field">
            <div className="checkbox">
              <input
                id={idFor('active')}
                type="checkbox"
                aria-describedby="visit-type-active-hint"
                checked={values.active}
                onChange={(e) => set('active')(e.target.checked)}
              />
              <label htmlFor={idFor('active')}>{t('visitRules.form.active')}</label>
            </div>
            <p id="visit-type-active-hint" className="field__hint">
              {t('visitRules.form.activeHint')}
            </p>
          </div>
        )}
        {!isNew && <p className="field__hint">{t('visitRules.form.existing')}</p>}
        <div className="button-row">
          <button type="submit" className="button" aria-disabled={busy}>
            {isNew ? t('visitRules.form.create') : t('visitRules.form.save')}
          </button>
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('visitRules.form.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** A radio group whose every choice says what it means. */
function Choices<C extends string>({
  field,
  legend,
  choices,
  value,
  onValue,
  error,
}: {
  field: 'booking' | 'patients' | 'mode';
  legend: string;
  choices: { value: C; label: string; help: string }[];
  value: C;
  onValue: (value: C) => void;
  error?: string;
}) {
  return (
    <fieldset className="rule-choices">
      <legend id={idFor(field)} tabIndex={-1}>
        {legend}
      </legend>
      {error && <p className="field__error">{error}</p>}
      {choices.map((choice) => {
        const id = `${idFor(field)}-${choice.value}`;
        return (
          <div key={choice.value} className="rule-choice">
            <input
              id={id}
              type="radio"
              name={field}
              value={choice.value}
              checked={value === choice.value}
              aria-describedby={`${id}-help`}
              onChange={() => onValue(choice.value)}
            />
            <label htmlFor={id}>{choice.label}</label>
            <p id={`${id}-help`} className="field__hint">
              {choice.help}
            </p>
          </div>
        );
      })}
    </fieldset>
  );
}

/** A whole number with its unit in the label and its limits in the hint. */
function NumberField({
  field,
  value,
  onValue,
  error,
}: {
  field: RuleNumber;
  value: string;
  onValue: (value: string) => void;
  error?: string;
}) {
  const { t } = useTranslation();
  const { min, max } = RULE_LIMITS[field];
  return (
    <TextField
      id={idFor(field)}
      type="number"
      inputMode="numeric"
      min={min}
      max={max}
      step={1}
      label={t(`visitRules.form.${field}`)}
      hint={t(`visitRules.form.${field}Hint`, { min, max })}
      value={value}
      onValue={onValue}
      error={error}
    />
  );
}
