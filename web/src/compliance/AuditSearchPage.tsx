import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeAccess, roleName } from '../account/accessLog.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import type { Problem } from '../forms/problems.ts';
import { SelectField } from '../forms/SelectField.tsx';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { dateTime } from '../i18n/format.ts';
import { recall, remember } from '../memory.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Pager } from '../shell/Pager.tsx';
import { TableWrap } from '../shell/TableWrap.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import {
  AUDIT_ACTIONS,
  type AuditFilters,
  type AuditSearch,
  ariaSort,
  auditParams,
  isUuid,
  NO_FILTERS,
  type SortKey,
  sortBy,
} from './auditQuery.ts';

interface AuditEvent {
  id: number;
  occurredAt: string;
  actor: { userId: string | null; name: string | null; email: string | null; role: string | null };
  actingFor: { patientId: string | null; name: string | null };
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  patient: { id: string | null; name: string | null };
  clinic: { id: string | null; name: string | null };
  outcome: string;
  ip: string | null;
}

interface EventsPage {
  events: AuditEvent[];
  total: number;
  page: number;
  pageSize: number;
}

const idFor = (field: string) => `audit-${field}`;
const MEMORY_KEY = 'audit-search';
const START: AuditSearch = { filters: NO_FILTERS, sort: 'occurredAt', order: 'desc', page: 1 };
const COLUMNS: SortKey[] = [
  'occurredAt',
  'actor',
  'action',
  'resourceType',
  'patient',
  'clinic',
  'outcome',
  'ip',
];

export function AuditSearchPage() {
  const { t } = useTranslation();
  usePageTitle(t('audit.title'));
  const form = useProblems(Object.keys(NO_FILTERS));
  const [search, setSearch] = useState<AuditSearch>(() => recall(MEMORY_KEY) ?? START);
  const [values, setValues] = useState<AuditFilters>(search.filters);
  const events = useQuery({
    queryKey: ['audit-events', search],
    queryFn: getJson<EventsPage>(`/api/audit/events?${auditParams(search)}`),
    placeholderData: keepPreviousData,
  });
  const run = (next: AuditSearch) => {
    remember(MEMORY_KEY, next);
    setSearch(next);
  };
  const set = (field: keyof AuditFilters) => (value: string) =>
    setValues((v) => ({ ...v, [field]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems: Problem[] = [];
    for (const field of ['patientId', 'userId'] as const)
      if (values[field].trim() && !isUuid(values[field]))
        problems.push({ field, message: t('audit.idFormat') });
    if (values.from && values.to && values.from > values.to)
      problems.push({ field: 'to', message: t('audit.dateOrder') });
    form.setProblems(problems);
    if (problems.length === 0) run({ ...search, filters: values, page: 1 });
  };
  const filterBy = (field: 'patientId' | 'userId', id: string) => {
    const filters = { ...search.filters, [field]: id };
    setValues(filters);
    run({ ...search, filters, page: 1 });
  };

  const data = events.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  return (
    <>
      <h1>{t('audit.title')}</h1>
      <p>{t('audit.intro')}</p>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form form--grid" noValidate onSubmit={submit}>
        <TextField
          id={idFor('patientId')}
          label={t('audit.patientId')}
          hint={t('audit.idHint')}
          autoComplete="off"
          spellCheck={false}
          value={values.patientId}
          onValue={set('patientId')}
          error={form.errorFor('patientId')}
        />
        <TextField
          id={idFor('userId')}
          label={t('audit.userId')}
          hint={t('audit.idHint')}
          autoComplete="off"
          spellCheck={false}
          value={values.userId}
          onValue={set('userId')}
          error={form.errorFor('userId')}
        />
        <SelectField
          id={idFor('action')}
          label={t('audit.action')}
          value={values.action}
          onValue={set('action')}
          options={[
            { value: '', label: t('audit.any') },
            ...AUDIT_ACTIONS.map((a) => ({ value: a, label: t(`audit.actions.${a}`) })),
          ]}
        />
        <SelectField
          id={idFor('outcome')}
          label={t('audit.outcome')}
          value={values.outcome}
          onValue={set('outcome')}
          options={[
            { value: '', label: t('audit.any') },
            { value: 'success', label: t('audit.outcomes.success') },
            { value: 'failure', label: t('audit.outcomes.failure') },
          ]}
        />
        <TextField
          id={idFor('from')}
          label={t('audit.from')}
          type="date"
          value={values.from}
          onValue={set('from')}
          error={form.errorFor('from')}
        />
        <TextField
          id={idFor('to')}
          label={t('audit.to')}
          type="date"
          value={values.to}
          onValue={set('to')}
          error={form.errorFor('to')}
        />
        <div className="button-row form__actions">
          <button type="submit" className="button">
            {t('audit.search')}
          </button>
          <button
            type="button"
            className="button button--secondary"
            onClick={() => {
              setValues(NO_FILTERS);
              form.clear();
              run(START);
            }}
          >
            {t('audit.clear')}
          </button>
          <a
            className="button button--secondary"
            href={`/api/audit/events.csv?${auditParams(search, false)}`}
            download
          >
            {t('audit.download')}
          </a>
        </div>
      </form>
      <p role="status" className="status">
        {data && t('audit.found', { count: data.total })}
      </p>
      {events.isError && <LoadFailed error={events.error} retry={() => void events.refetch()} />}
      {data && data.events.length > 0 && (
        <>
          <TableWrap label={t('audit.title')} busy={events.isFetching}>
            <table className="table table--compact">
              <caption>{t('audit.caption', { count: data.total, page: data.page, pages })}</caption>
              <thead>
                <tr>
                  {COLUMNS.map((column) => (
                    <th key={column} scope="col" aria-sort={ariaSort(search, column)}>
                      <button
                        type="button"
                        className="sort-button"
                        onClick={() => run(sortBy(search, column))}
                      >
                        {t(`audit.columns.${column}`)}
                        <span className="sort-button__icon" aria-hidden="true">
                          {ariaSort(search, column) === 'ascending'
                            ? '▲'
                            : ariaSort(search, column) === 'descending'
                              ? '▼'
                              : '↕'}
                        </span>
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.events.map((e) => (
                  <EventRow key={e.id} event={e} onFilter={filterBy} />
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            label={t('audit.pages')}
            page={data.page}
            pageCount={pages}
            hasNext={data.page < pages}
            onPage={(page) => run({ ...search, page })}
          />
        </>
      )}
    </>
  );
}

function EventRow({
  event: e,
  onFilter,
}: {
  event: AuditEvent;
  onFilter: (field: 'patientId' | 'userId', id: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const actorName = e.actor.name ?? e.actor.email ?? t('audit.nobody');
  return (
    <tr className={e.outcome === 'failure' ? 'row--failure' : undefined}>
      <td>{dateTime(lang, e.occurredAt)}</td>
      <td>
        {actorName}
        {e.actor.role && (
          <span className="cell-note">
            {e.actor.role
              .split(',')
              .map((r) => roleName(t, r))
              .join(', ')}
          </span>
        )}
        {e.actingFor.name && (
          <span className="cell-note">{t('audit.actingFor', { name: e.actingFor.name })}</span>
        )}
        {e.actor.userId && (
          <button
            type="button"
            className="link-button cell-note"
            onClick={() => onFilter('userId', e.actor.userId as string)}
          >
            {t('audit.onlyUser')}
            <span className="visually-hidden"> {actorName}</span>
          </button>
        )}
      </td>
      <td>{describeAccess(t, e.action, null)}</td>
      <td>{e.resourceType ?? '—'}</td>
      <td>
        {e.patient.name ?? '—'}
        {e.patient.id && (
          <button
            type="button"
            className="link-button cell-note"
            onClick={() => onFilter('patientId', e.patient.id as string)}
          >
            {t('audit.onlyPatient')}
            <span className="visually-hidden"> {e.patient.name}</span>
          </button>
        )}
      </td>
      <td>{e.clinic.name ?? '—'}</td>
      <td>{t(e.outcome === 'failure' ? 'audit.outcomes.failure' : 'audit.outcomes.success')}</td>
      <td>{e.ip ?? '—'}</td>
    </tr>
  );
}
