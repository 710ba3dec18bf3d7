import { keepPreviousData, type QueryFunctionContext, useQuery } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api.ts';
import { PATIENT_CARE_ROLES } from '../auth/roles.ts';
import { useSession } from '../auth/session.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { calendarDate } from '../i18n/format.ts';
import { recall, remember } from '../memory.ts';
import { useClinics } from '../public/clinics.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Pager } from '../shell/Pager.tsx';
import { TableWrap } from '../shell/TableWrap.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { AccountStateLabel } from './AccountStateLabel.tsx';
import { EhrFindSection } from './EhrFindSection.tsx';
import { listName, type PatientPage, pageCount, searchBody } from './patients.ts';

interface Search {
  q: string;
  clinicId: string;
  page: number;
}

const idFor = (field: string) => `search-${field}`;
// The search text is a name or birth date (PHI): it stays in memory, never in
// the URL (of this page or of the request, which is a POST), and is
// forgotten at sign-out.
const MEMORY_KEY = 'staff-patient-search';

/** Like getJson: a refetch of results already on screen is background work. */
const searchPatients =
  (search: Search | null) =>
  ({ client, queryKey, signal }: QueryFunctionContext) =>
    api<PatientPage>('/api/staff/patients/search', {
      method: 'POST',
      json: search && searchBody(search),
      signal,
      background: client.getQueryData(queryKey) !== undefined,
    });

export function PatientSearchPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('staffSearch.title'));
  const lang = i18n.resolvedLanguage ?? 'en';
  const session = useSession();
  const clinics = useClinics();
  const form = useProblems(['q', 'clinicId', 'page']);
  const [search, setSearch] = useState<Search | null>(() => recall<Search>(MEMORY_KEY) ?? null);
  const [values, setValues] = useState({ q: search?.q ?? '', clinicId: search?.clinicId ?? '' });
  const results = useQuery({
    queryKey: ['staff-patients', search],
    queryFn: searchPatients(search),
    enabled: search !== null,
    placeholderData: keepPreviousData,
  });

  // Only the clinics this person works at, for patient care (null = all of them).
  const myClinics = useMemo(() => {
    const grants = (session.data?.roles ?? []).filter((g) => PATIENT_CARE_ROLES.includes(g.role));
    const all = grants.some((g) => g.clinicId === null);
    return (clinics.data ?? []).filter((c) => all || grants.some((g) => g.clinicId === c.id));
  }, [clinics.data, session.data]);

  const run = (next: Search) => {
    remember(MEMORY_KEY, next);
    setSearch(next);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const q = values.q.trim();
    const problems = q.length < 2 ? [{ field: 'q', message: t('staffSearch.tooShort') }] : [];
    form.setProblems(problems);
    if (problems.length === 0) run({ q, clinicId: values.clinicId, page: 1 });
  };
  const data = results.data;
  const pages = data ? pageCount(data.total, data.pageSize) : 1;
  return (
    <>
      <h1>{t('staffSearch.title')}</h1>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <search>
        <form className="form form--search" noValidate onSubmit={submit}>
          <TextField
            id={idFor('q')}
            label={t('staffSearch.query')}
            hint={t('staffSearch.queryHint')}
            type="search"
            autoComplete="off"
            spellCheck={false}
            value={values.q}
            onValue={(q) => setValues((v) => ({ ...v, q }))}
            error={form.errorFor('q')}
          />
          {myClinics.length > 1 && (
            <SelectField
              id={idFor('clinicId')}
              label={t('staffSearch.clinic')}
              value={values.clinicId}
              onValue={(clinicId) => setValues((v) => ({ ...v, clinicId }))}
              options={[
                { value: '', label: t('staffSearch.allClinics') },
                ...myClinics.map((c) => ({ value: c.id, label: c.name })),
              ]}
            />
          )}
          <button type="submit" className="button">
            {t('staffSearch.submit')}
          </button>
        </form>
      </search>
      <p role="status" className="status">
        {data && t('staffSearch.found', { count: data.total })}
      </p>
      {results.isError && <LoadFailed error={results.error} retry={() => void results.refetch()} />}
      {data && data.patients.length > 0 && search && (
        <>
          <TableWrap label={t('staffSearch.results')} busy={results.isFetching}>
            <table className="table">
              <caption>
                {t('staffSearch.caption', { count: data.total, page: data.page, pages })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('staffSearch.name')}</th>
                  <th scope="col">{t('staffSearch.birthDate')}</th>
                  <th scope="col">{t('staffSearch.clinics')}</th>
                  <th scope="col">{t('staffSearch.account')}</th>
                </tr>
              </thead>
              <tbody>
                {data.patients.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">
                      <Link to={`/staff/patients/${p.id}`}>{listName(p.name)}</Link>
                    </th>
                    <td>{calendarDate(lang, p.birthDate)}</td>
                    <td>
                      <ul className="plain-list">
                        {p.clinics.map((c) => (
                          <li key={c.clinicId}>
                            {t('staffSearch.clinicMrn', { clinic: c.clinicName, mrn: c.mrn })}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>
                      <AccountStateLabel state={p.accountState} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            label={t('staffSearch.pages')}
            page={data.page}
            pageCount={pages}
            hasNext={data.page < pages}
            onPage={(page) => run({ ...search, page })}
          />
        </>
      )}
      <EhrFindSection />
    </>
  );
}
