import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { wording } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import type { Problem } from '../forms/problems.ts';
import { TextField } from '../forms/TextField.tsx';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import {
  LIMITS,
  placedProblems,
  type RefillRulesView,
  type RulesForm,
  type RulesProblem,
  rulesBody,
  rulesFormOf,
  rulesProblems,
  withRow,
} from './refillSettings.ts';

/** The input (or legend) for a field: protocols.2.name is refill-rules-protocols-2-name. */
const idFor = (field: string) => `refill-rules-${field.replaceAll('.', '-')}`;
const rowOf = (field: string) => Number(field.split('.')[1]);

/** The clinic's refill rules and nurse protocol, loaded, then edited and saved together. */
export function RefillSettingsRules({ clinic }: { clinic: { id: string; name: string } }) {
  const { t } = useTranslation();
  const rules = useQuery({
    queryKey: ['refill-rules', clinic.id],
    queryFn: getJson<RefillRulesView>(`/api/admin/refill-rules/${clinic.id}`),
  });
  return (
    <section className="card section" aria-labelledby="refill-rules-title">
      <h2 id="refill-rules-title">
        {t('refills.refillSettings.rules.title', { clinic: clinic.name })}
      </h2>
      {rules.isPending && <Loading />}
      {rules.isError && <LoadFailed error={rules.error} retry={() => void rules.refetch()} />}
      {rules.data && <RulesEditor rules={rules.data} />}
    </section>
  );
}

function RulesEditor({ rules }: { rules: RefillRulesView }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const [values, setValues] = useState<RulesForm>(() => rulesFormOf(rules));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [focusId, setFocusId] = useState<string | null>(null);
  const savedBox = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (saved) savedBox.current?.focus();
  }, [saved]);
  // A row added or removed moves focus to where the work goes on.
  useEffect(() => {
    if (focusId) document.getElementById(focusId)?.focus();
    setFocusId(null);
  }, [focusId]);
  const errorFor = (field: string) => problems.find((p) => p.field === field)?.message;

  const say = (p: RulesProblem): Problem => {
    const k = 'refills.refillSettings.rules.problems';
    if (p.field === 'earlyDays' || p.field === 'targetBusinessDays')
      return { field: p.field, message: t(`${k}.${p.field}`, { min: p.min, max: p.max }) };
    if (p.field === 'protocols')
      return { field: p.field, message: t(`${k}.tooMany`, { max: p.max }) };
    const key =
      p.problem === 'rxnorm'
        ? 'codeFormat'
        : p.problem === 'twice'
          ? 'codeTwice'
          : p.problem === 'tooLong'
            ? 'nameTooLong'
            : p.field.endsWith('.name')
              ? 'nameRequired'
              : 'codeRequired';
    return { field: p.field, message: t(`${k}.${key}`, { n: rowOf(p.field) + 1, max: p.max }) };
  };

  const update = (change: Partial<RulesForm>) => {
    setSaved(false);
    setValues((v) => ({ ...v, ...change }));
  };
  const setRow = (key: number, change: { rxnormCode?: string; name?: string }) =>
    update({ protocols: values.protocols.map((r) => (r.key === key ? { ...r, ...change } : r)) });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setSaved(false);
    const found = rulesProblems(values).map(say);
    setProblems(found);
    if (found.length > 0) return;
    setBusy(true);
    try {
      const view = await api<RefillRulesView>(`/api/admin/refill-rules/${rules.clinicId}`, {
        method: 'PUT',
        json: rulesBody(values),
      });
      client.setQueryData(['refill-rules', rules.clinicId], view);
      setValues(rulesFormOf(view));
      setSaved(true);
    } catch (error) {
      setProblems(serverProblems(error));
    } finally {
      setBusy(false);
    }
  };

  const words = wording(t, i18n.resolvedLanguage ?? 'en');
  const known = (field: string) =>
    ['earlyDays', 'controlledOnline', 'targetBusinessDays'].includes(field) ||
    /^protocols\.\d+\.(rxnormCode|name)$/.test(field);
  const serverProblems = (error: unknown): Problem[] => {
    if (!(error instanceof ApiError)) return [{ message: words.error(error) }];
    const { placed, unplaced } = placedProblems(error.details, known);
    const here = placed.map((p) => ({ field: p.field, message: words.field(p) }));
    return unplaced ? [...here, { message: words.error(error) }] : here;
  };

  const k = 'refills.refillSettings.rules';
  const { earlyDays: early, targetBusinessDays: target } = LIMITS;
  return (
    <>
      <div ref={savedBox} tabIndex={-1}>
        {saved && <Notice kind="success">{t(`${k}.saved`)}</Notice>}
      </div>
      <ErrorSummary problems={problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor('earlyDays')}
          inputMode="numeric"
          label={t(`${k}.earlyDays`)}
          hint={t(`${k}.earlyDaysHint`, early)}
          value={values.earlyDays}
          onValue={(earlyDays) => update({ earlyDays })}
          error={errorFor('earlyDays')}
        />
        <fieldset className="rule-choices">
          <legend id={idFor('controlledOnline')} tabIndex={-1}>
            {t(`${k}.controlled.legend`)}
          </legend>
          {(['yes', 'no'] as const).map((choice) => {
            const id = `${idFor('controlledOnline')}-${choice}`;
            return (
              <div key={choice} className="rule-choice">
                <input
                  id={id}
                  type="radio"
                  name="controlledOnline"
                  checked={values.controlledOnline === (choice === 'yes')}
                  aria-describedby={`${id}-help`}
                  onChange={() => update({ controlledOnline: choice === 'yes' })}
                />
                <label htmlFor={id}>{t(`${k}.controlled.${choice}`)}</label>
                <p id={`${id}-help`} className="field__hint">
                  {t(`${k}.controlled.${choice}Help`)}
                </p>
              </div>
            );
          })}
        </fieldset>
        <TextField
          id={idFor('targetBusinessDays')}
          inputMode="numeric"
          label={t(`${k}.targetBusinessDays`)}
          hint={t(`${k}.targetBusinessDaysHint`, target)}
          value={values.targetBusinessDays}
          onValue={(targetBusinessDays) => update({ targetBusinessDays })}
          error={errorFor('targetBusinessDays')}
        />
        <fieldset className="rule-choices" aria-describedby="refill-rules-protocols-hint">
          <legend id={idFor('protocols')} tabIndex={-1}>
            {t(`${k}.protocols.legend`)}
          </legend>
          <p id="refill-rules-protocols-hint" className="field__hint">
            {t(`${k}.protocols.hint`)}
          </p>
          {errorFor('protocols') && <p className="field__error">{errorFor('protocols')}</p>}
          {values.protocols.length === 0 && <p>{t(`${k}.protocols.none`)}</p>}
          {values.protocols.map((row, i) => {
            const label = t(`${k}.protocols.row`, { n: i + 1 });
            return (
              <fieldset key={row.key} className="item">
                <legend className="visit-type__name">{label}</legend>
                <TextField
                  id={idFor(`protocols.${i}.rxnormCode`)}
                  inputMode="numeric"
                  autoComplete="off"
                  spellCheck={false}
                  label={t(`${k}.protocols.rxnormCode`)}
                  hint={t(`${k}.protocols.rxnormHint`)}
                  value={row.rxnormCode}
                  onValue={(rxnormCode) => setRow(row.key, { rxnormCode })}
                  error={errorFor(`protocols.${i}.rxnormCode`)}
                />
                <TextField
                  id={idFor(`protocols.${i}.name`)}
                  label={t(`${k}.protocols.name`)}
                  value={row.name}
                  onValue={(name) => setRow(row.key, { name })}
                  error={errorFor(`protocols.${i}.name`)}
                />
                <div className="button-row">
                  <button
                    type="button"
                    className="button button--secondary"
                    onClick={() => {
                      update({ protocols: values.protocols.filter((r) => r.key !== row.key) });
                      // Problems name rows by position, which this shifts.
                      setProblems([]);
                      setFocusId('refill-rules-add-protocol');
                    }}
                  >
                    {t(`${k}.protocols.remove`)}
                    <span className="visually-hidden"> {row.name.trim() || label}</span>
                  </button>
                </div>
              </fieldset>
            );
          })}
          <div className="button-row">
            <button
              id="refill-rules-add-protocol"
              type="button"
              className="button button--secondary"
              onClick={() => {
                update({ protocols: withRow(values.protocols) });
                setFocusId(idFor(`protocols.${values.protocols.length}.rxnormCode`));
              }}
            >
              {t(`${k}.protocols.add`)}
            </button>
          </div>
        </fieldset>
        <div className="button-row">
          <button type="submit" className="button" aria-disabled={busy}>
            {t(`${k}.save`)}
          </button>
        </div>
      </form>
    </>
  );
}
