import { type FormEvent, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api } from '../api.ts';
import { ACTIVATION_ROLES } from '../auth/roles.ts';
import { useSession } from '../auth/session.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { calendarDate } from '../i18n/format.ts';
import { useClinics } from '../public/clinics.ts';
import { TableWrap } from '../shell/TableWrap.tsx';
import { type EhrCandidate, type EhrSearchForm, ehrSearchBody, listName } from './patients.ts';

const FIELDS = ['clinicId', 'mrn', 'family', 'given', 'birthDate'] as const;
const idFor = (field: string) => `ehr-find-${field}`;

// Find a patient in the clinic's record system (EHR) and link them to the
// portal; their details come from the EHR. The search text is PHI: it goes
// in a POST body and stays in this component's state only.
export function EhrFindSection() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const navigate = useNavigate();
  const session = useSession();
  const clinics = useClinics();
  const form = useProblems(FIELDS);
  const headingId = useId();
  const [values, setValues] = useState<EhrSearchForm>({
    clinicId: '',
    mrn: '',
    family: '',
    given: '',
    birthDate: '',
  });
  const [found, setFound] = useState<EhrCandidate[] | null>(null);
  const [busy, setBusy] = useState(false);

  // Clinics where this person may link patients (null clinic = all of them).
  const myClinics = useMemo(() => {
    const grants = (session.data?.roles ?? []).filter((g) => ACTIVATION_ROLES.includes(g.role));
    const all = grants.some((g) => g.clinicId === null);
    return (clinics.data ?? []).filter((c) => all || grants.some((g) => g.clinicId === c.id));
  }, [clinics.data, session.data]);
  if (myClinics.length === 0) return null;
  const clinicId = values.clinicId || (myClinics.length === 1 ? (myClinics[0]?.id ?? '') : '');
  const set = (field: keyof EhrSearchForm) => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));

  const search = async (event: FormEvent) => {
    event.preventDefault();
    const body = ehrSearchBody({ ...values, clinicId });
    const problems = [
      ...(clinicId ? [] : [{ field: 'clinicId', message: t('ehrFind.chooseClinic') }]),
      ...(body ? [] : [{ field: 'mrn', message: t('ehrFind.needMore') }]),
    ];
    form.setProblems(problems);
    if (problems.length > 0 || !body) return;
    setBusy(true);
    try {
      const answer = await api<{ candidates: EhrCandidate[] }>('/api/staff/ehr-patients/search', {
        method: 'POST',
        json: body,
      });
      setFound(answer.candidates);
    } catch (error) {
      setFound(null);
      form.fromError(error);
    } finally {
      setBusy(false);
    }
  };

  const link = async (candidate: EhrCandidate) => {
    setBusy(true);
    form.clear();
    try {
      const { patientId } = await api<{ patientId: string }>('/api/staff/ehr-patients/link', {
        method: 'POST',
        json: { clinicId, ehrPatientId: candidate.ehrPatientId },
      });
      navigate(`/staff/patients/${patientId}`);
    } catch (error) {
      form.fromError(error);
      setBusy(false);
    }
  };

  return (
    <section className="card section" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('ehrFind.title')}</h2>
      <p>{t('ehrFind.intro')}</p>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form form--search" noValidate onSubmit={search}>
        {myClinics.length > 1 && (
          <SelectField
            id={idFor('clinicId')}
            label={t('ehrFind.clinic')}
            value={values.clinicId}
            onValue={set('clinicId')}
            error={form.errorFor('clinicId')}
            options={[
              { value: '', label: t('ehrFind.chooseClinic') },
              ...myClinics.map((c) => ({ value: c.id, label: c.name })),
            ]}
          />
        )}
        <TextField
          id={idFor('mrn')}
          label={t('ehrFind.mrn')}
          autoComplete="off"
          spellCheck={false}
          value={values.mrn}
          onValue={set('mrn')}
          error={form.errorFor('mrn')}
        />
        <TextField
          id={idFor('family')}
          label={t('ehrFind.family')}
          autoComplete="off"
          value={values.family}
          onValue={set('family')}
          error={form.errorFor('family')}
        />
        <TextField
          id={idFor('given')}
          label={t('ehrFind.given')}
          autoComplete="off"
          value={values.given}
          onValue={set('given')}
          error={form.errorFor('given')}
        />
        <TextField
          id={idFor('birthDate')}
          label={t('ehrFind.birthDate')}
          type="date"
          value={values.birthDate}
          onValue={set('birthDate')}
          error={form.errorFor('birthDate')}
        />
        <button type="submit" className="button" disabled={busy}>
          {t('ehrFind.submit')}
        </button>
      </form>
      <p role="status" className="status">
        {found && t('ehrFind.found', { count: found.length })}
      </p>
      {found && found.length > 0 && (
        <TableWrap label={t('ehrFind.results')} busy={busy}>
          <table className="table">
            <caption>{t('ehrFind.results')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('ehrFind.name')}</th>
                <th scope="col">{t('ehrFind.birthDate')}</th>
                <th scope="col">{t('ehrFind.sex')}</th>
                <th scope="col">{t('ehrFind.mrn')}</th>
                <th scope="col">{t('ehrFind.linked')}</th>
                <td />
              </tr>
            </thead>
            <tbody>
              {found.map((c) => (
                <tr key={c.ehrPatientId}>
                  <th scope="row">{listName(c.name)}</th>
                  <td>{c.birthDate ? calendarDate(lang, c.birthDate) : ''}</td>
                  <td>{c.gender ?? ''}</td>
                  <td>{c.mrn ?? t('ehrFind.noMrn')}</td>
                  <td>{c.linkedPatientId ? t('ehrFind.yes') : t('ehrFind.no')}</td>
                  <td>
                    {c.mrn && (
                      <button
                        type="button"
                        className="button"
                        disabled={busy}
                        aria-label={t('ehrFind.linkLabel', { name: listName(c.name) })}
                        onClick={() => void link(c)}
                      >
                        {t('ehrFind.link')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
