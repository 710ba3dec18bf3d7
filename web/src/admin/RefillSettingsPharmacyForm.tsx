import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import type { Problem } from '../forms/problems.ts';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import {
  newPharmacyForm,
  PHARMACY_FIELDS,
  type PharmacyEntry,
  type PharmacyForm,
  type PharmacyProblem,
  pharmacyBody,
  pharmacyFormOf,
  pharmacyProblems,
} from './refillSettings.ts';

const idFor = (field: string) => `pharmacy-${field}`;

/** Adds a pharmacy to the directory (`pharmacy` null) or changes one's name, address, phone or NCPDP id. */
export function RefillSettingsPharmacyForm({
  clinicId,
  pharmacy,
  onSaved,
  onCancel,
}: {
  clinicId: string;
  pharmacy: PharmacyEntry | null;
  onSaved: (saved: PharmacyEntry) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const isNew = pharmacy === null;
  const [values, setValues] = useState<PharmacyForm>(() =>
    pharmacy ? pharmacyFormOf(pharmacy) : newPharmacyForm(),
  );
  const [busy, setBusy] = useState(false);
  const form = useProblems(PHARMACY_FIELDS);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const set = (field: keyof PharmacyForm) => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));

  const k = 'refills.refillSettings.pharmacies.form';
  const say = (p: PharmacyProblem): Problem => {
    const key =
      p.field === 'ncpdpId'
        ? 'ncpdpFormat'
        : p.field === 'phone'
          ? p.problem === 'required'
            ? 'phoneRequired'
            : 'phoneFormat'
          : (`${p.field}${p.problem === 'required' ? 'Required' : 'TooLong'}` as const);
    return { field: p.field, message: t(`${k}.problems.${key}`, { max: 'max' in p ? p.max : 0 }) };
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const problems = pharmacyProblems(values).map(say);
    form.setProblems(problems);
    if (problems.length > 0) return;
    setBusy(true);
    try {
      const saved = await api<PharmacyEntry>(
        isNew
          ? `/api/admin/pharmacies/${clinicId}`
          : `/api/admin/pharmacies/${clinicId}/${pharmacy.id}`,
        { method: isNew ? 'POST' : 'PATCH', json: pharmacyBody(values) },
      );
      onSaved(saved);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'duplicate_ncpdp')
        form.setProblems([{ field: 'ncpdpId', message: t(`${k}.problems.ncpdpTaken`) }]);
      else form.fromError(error);
      setBusy(false);
    }
  };

  return (
    <section className="item section" aria-labelledby="pharmacy-form-title">
      <h3 id="pharmacy-form-title" ref={heading} tabIndex={-1}>
        {isNew ? t(`${k}.newTitle`) : t(`${k}.editTitle`, { name: pharmacy.name })}
      </h3>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={idFor('name')}
          label={t(`${k}.name`)}
          value={values.name}
          onValue={set('name')}
          error={form.errorFor('name')}
          autoComplete="off"
        />
        <TextField
          id={idFor('address')}
          label={t(`${k}.address`)}
          hint={t(`${k}.addressHint`)}
          value={values.address}
          onValue={set('address')}
          error={form.errorFor('address')}
          autoComplete="off"
        />
        <TextField
          id={idFor('phone')}
          type="tel"
          label={t(`${k}.phone`)}
          hint={t(`${k}.phoneHint`)}
          value={values.phone}
          onValue={set('phone')}
          error={form.errorFor('phone')}
          autoComplete="off"
        />
        <TextField
          id={idFor('ncpdpId')}
          inputMode="numeric"
          className="input--code"
          label={t(`${k}.ncpdpId`)}
          hint={t(`${k}.ncpdpHint`)}
          value={values.ncpdpId}
          onValue={set('ncpdpId')}
          error={form.errorFor('ncpdpId')}
          autoComplete="off"
          spellCheck={false}
        />
        <div className="button-row">
          <button type="submit" className="button" aria-disabled={busy}>
            {isNew ? t(`${k}.create`) : t(`${k}.save`)}
          </button>
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t(`${k}.cancel`)}
          </button>
        </div>
      </form>
    </section>
  );
}
