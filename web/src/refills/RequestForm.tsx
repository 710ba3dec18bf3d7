import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';
import '../appointments/appointments.css';
import { CallClinic } from '../appointments/CallClinic.tsx';
import { useFocusOnMount } from '../appointments/focus.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import type { Problem } from '../forms/problems.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { refillErrorMessage } from './errors.ts';
import type { ClinicContact } from './MedicationCard.tsx';
import { submitRefills, usePharmacies, useRefillsChanged } from './queries.ts';
import { TextAreaField } from './TextAreaField.tsx';
import type { MedicationRefill, RefillRequest } from './types.ts';

const idFor = (field: string) => `refill-${field}`;
const NOTE_MAX = 1000;

/** not_eligible details: which medication was refused, and why. */
function refusedIds(error: unknown): string[] {
  if (!(error instanceof ApiError) || error.code !== 'not_eligible') return [];
  if (!Array.isArray(error.details)) return [];
  return error.details.map((d: { medicationId?: unknown }) => String(d?.medicationId ?? ''));
}

// The chosen medications, the pharmacy (the preferred one chosen already),
// keeping it as preferred, and a note. One submit sends them all; the server
// makes at most one open request per medication, so a retry is harmless.
export function RequestForm({
  clinicId,
  medications,
  clinic,
  onBack,
  onSent,
}: {
  clinicId: string;
  medications: MedicationRefill[];
  clinic: ClinicContact | undefined;
  onBack: () => void;
  onSent: (requests: RefillRequest[]) => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  usePageTitle(t('refills.form.title'));
  const heading = useFocusOnMount<HTMLHeadingElement>(true);
  const pharmacies = usePharmacies(clinicId);
  const changed = useRefillsChanged();
  const [pharmacyId, setPharmacyId] = useState('');
  const [save, setSave] = useState(false);
  const [note, setNote] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const preferred = pharmacies.data?.preferredPharmacyId ?? null;
  useEffect(() => {
    if (preferred) setPharmacyId((was) => was || preferred);
  }, [preferred]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const missing: Problem[] = [];
    if (!pharmacyId) missing.push({ field: 'pharmacy', message: t('refills.form.choosePharmacy') });
    if (note.length > NOTE_MAX)
      missing.push({ field: 'note', message: t('refills.form.noteTooLong') });
    if (missing.length) return setProblems(missing);
    setBusy(true);
    try {
      const body = await submitRefills({
        clinicId,
        medicationIds: medications.map((m) => m.id),
        pharmacyId,
        savePharmacy: save,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      await changed();
      onSent(body.requests);
    } catch (error) {
      // Refused ones changed since the list was read: say which, and read the list again.
      const refused = refusedIds(error).map((id) => ({
        message: t('refills.form.refused', {
          name: medications.find((m) => m.id === id)?.name ?? id,
        }),
      }));
      setProblems(refused.length ? refused : [{ message: refillErrorMessage(t, lang, error) }]);
      if (refused.length) void changed();
      setBusy(false);
    }
  };

  const errorFor = (field: string) => problems.find((p) => p.field === field)?.message;
  const list = pharmacies.data?.pharmacies ?? [];
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('refills.form.title')}
      </h1>
      <ErrorSummary problems={problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <section aria-labelledby={idFor('chosen')}>
          <h2 id={idFor('chosen')}>{t('refills.form.chosen')}</h2>
          <ul>
            {medications.map((m) => (
              <li key={m.id}>
                {m.name} ({t(`refills.kind.${m.eligibility.kind ?? 'refill'}`)})
              </li>
            ))}
          </ul>
        </section>
        {pharmacies.isPending && <Loading />}
        {pharmacies.isError && (
          <LoadFailed error={pharmacies.error} retry={() => void pharmacies.refetch()} />
        )}
        {pharmacies.data &&
          list.length === 0 &&
          (clinic ? (
            <CallClinic text={t('refills.form.noPharmacies')} phone={clinic.phone} />
          ) : (
            <p>{t('refills.form.noPharmacies')}</p>
          ))}
        {list.length > 0 && (
          <fieldset
            id={idFor('pharmacy')}
            className={errorFor('pharmacy') ? 'choices field--error' : 'choices'}
            aria-describedby={
              errorFor('pharmacy') ? idFor('pharmacy-error') : idFor('pharmacy-hint')
            }
          >
            <legend>{t('refills.form.pharmacy')}</legend>
            <p id={idFor('pharmacy-hint')} className="field__hint">
              {t('refills.form.pharmacyHint')}
            </p>
            {errorFor('pharmacy') && (
              <p id={idFor('pharmacy-error')} className="field__error">
                {errorFor('pharmacy')}
              </p>
            )}
            {list.map((p) => (
              <div key={p.id} className="choice">
                <input
                  id={idFor(`pharmacy-${p.id}`)}
                  type="radio"
                  name="pharmacy"
                  value={p.id}
                  checked={pharmacyId === p.id}
                  aria-describedby={idFor(`pharmacy-${p.id}-hint`)}
                  onChange={() => setPharmacyId(p.id)}
                />
                <label htmlFor={idFor(`pharmacy-${p.id}`)}>
                  {p.name}
                  {p.id === preferred && ` (${t('refills.form.preferred')})`}
                </label>
                <span id={idFor(`pharmacy-${p.id}-hint`)} className="field__hint">
                  {p.address} · {p.phone}
                </span>
              </div>
            ))}
          </fieldset>
        )}
        {list.length > 0 && pharmacyId !== preferred && (
          <div className="checkbox">
            <input
              id={idFor('save')}
              type="checkbox"
              checked={save}
              onChange={(event) => setSave(event.target.checked)}
            />
            <label htmlFor={idFor('save')}>{t('refills.form.savePharmacy')}</label>
          </div>
        )}
        <TextAreaField
          id={idFor('note')}
          label={t('refills.form.note')}
          hint={t('refills.form.noteHint')}
          maxLength={NOTE_MAX}
          value={note}
          onValue={setNote}
          error={errorFor('note')}
        />
        <div className="button-row">
          <button type="submit" className="button" aria-disabled={busy || list.length === 0}>
            {t('refills.form.submit')}
          </button>
          <button type="button" className="button button--secondary" onClick={onBack}>
            {t('refills.form.back')}
          </button>
        </div>
      </form>
    </>
  );
}
