import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { SelectField } from '../forms/SelectField.tsx';
import { TextField } from '../forms/TextField.tsx';
import { langOf } from '../frontdesk/frontDesk.ts';
import { timeZoneName } from '../i18n/format.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './inbox.css';
import { useInboxClinics } from './clinics.ts';
import { ASSIGNED, filtersOf, type InboxFilters, paramsOf, THREAD_STATUSES } from './inbox.ts';
import { PoolCounts } from './PoolCounts.tsx';
import { usePools, useThreads } from './queries.ts';
import { ThreadTable } from './ThreadTable.tsx';

// /staff/messages: the pools this person works at a clinic with their
// counts, then the conversations oldest waiting first, filtered by pool,
// status, assignee and a search. Every filter lives in the URL so a link keeps it.
export function InboxPage() {
  const { t, i18n } = useTranslation();
  const lang = langOf(i18n.resolvedLanguage);
  usePageTitle(t('inbox.title'));
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const { clinics, query: clinicsQuery } = useInboxClinics();
  const clinic = clinics.find((c) => c.id === filters.clinic) ?? clinics[0];
  const clinicId = clinic?.id ?? '';
  const pools = usePools(clinicId);
  const threads = useThreads(clinicId, filters);
  const [search, setSearch] = useState(filters.q);
  // A new filter starts again at page 1; changing clinic forgets its pool.
  const go = (next: Partial<InboxFilters>) =>
    setParams(paramsOf({ ...filters, clinic: clinicId, page: 1, ...next }));
  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    go({ q: search });
  };
  const list = threads.data?.threads ?? [];
  const poolLink = (poolId: string) =>
    `/staff/messages?${new URLSearchParams(paramsOf({ ...filters, clinic: clinicId, pool: poolId, page: 1 }))}`;

  return (
    <div className="inbox">
      <h1>{t('inbox.title')}</h1>
      <p>{t('inbox.intro')}</p>
      <p>
        {t('inbox.newHint')} <Link to="/staff/patients">{t('inbox.newHintLink')}</Link>
      </p>
      {clinicsQuery.isPending && <Loading />}
      {clinicsQuery.isError && (
        <LoadFailed error={clinicsQuery.error} retry={() => void clinicsQuery.refetch()} />
      )}
      {clinicsQuery.data && clinics.length === 0 && <p>{t('inbox.noClinics')}</p>}
      {clinic && clinics.length > 1 && (
        <form className="form" noValidate onSubmit={(event) => event.preventDefault()}>
          <SelectField
            id="inbox-clinic"
            label={t('inbox.filters.clinic')}
            value={clinic.id}
            onValue={(id) => go({ clinic: id, pool: '' })}
            options={clinics.map((c) => ({ value: c.id, label: c.name }))}
          />
        </form>
      )}
      {pools.isError && <LoadFailed error={pools.error} retry={() => void pools.refetch()} />}
      {pools.data && <PoolCounts pools={pools.data.pools} linkTo={poolLink} />}
      {clinic && (
        <section aria-labelledby="inbox-list-title">
          <h2 id="inbox-list-title">{t('inbox.list.title')}</h2>
          <form
            className="form form--grid"
            aria-label={t('inbox.filters.label')}
            noValidate
            onSubmit={submitSearch}
          >
            <SelectField
              id="inbox-pool"
              label={t('inbox.filters.pool')}
              value={filters.pool}
              onValue={(pool) => go({ pool })}
              options={[
                { value: '', label: t('inbox.filters.allPools') },
                ...(pools.data?.pools ?? []).map((p) => ({ value: p.id, label: p.name[lang] })),
              ]}
            />
            <SelectField
              id="inbox-status"
              label={t('inbox.filters.status')}
              value={filters.status}
              onValue={(status) => go({ status: status as InboxFilters['status'] })}
              options={[
                { value: '', label: t('inbox.filters.open') },
                ...THREAD_STATUSES.map((s) => ({ value: s, label: t(`inbox.status.${s}`) })),
              ]}
            />
            <SelectField
              id="inbox-assigned"
              label={t('inbox.filters.assigned')}
              value={filters.assigned}
              onValue={(assigned) => go({ assigned: assigned as InboxFilters['assigned'] })}
              options={ASSIGNED.map((a) => ({
                value: a,
                label: t(`inbox.filters.assignedTo.${a}`),
              }))}
            />
            <TextField
              id="inbox-search"
              type="search"
              label={t('inbox.filters.search')}
              hint={t('inbox.filters.searchHint')}
              value={search}
              maxLength={100}
              onValue={setSearch}
            />
            <div className="button-row">
              <button type="submit" className="button">
                {t('inbox.filters.searchButton')}
              </button>
            </div>
          </form>
          <p>{t('inbox.list.timesIn', { zone: timeZoneName(lang, clinic.timeZone) })}</p>
          {threads.isError && (
            <LoadFailed error={threads.error} retry={() => void threads.refetch()} />
          )}
          <p role="status" className="status">
            {threads.data &&
              (list.length === 0
                ? t('inbox.list.none')
                : t('inbox.list.found', { count: list.length }))}
            {threads.data?.searchLimited && ` ${t('inbox.list.searchLimited')}`}
          </p>
          {list.length > 0 && (
            <>
              <ThreadTable
                threads={list}
                timeZone={clinic.timeZone}
                caption={t('inbox.list.caption', { clinic: clinic.name })}
                busy={threads.isFetching}
              />
              <Pager
                label={t('inbox.list.pages')}
                page={filters.page}
                pageCount={null}
                hasNext={threads.data?.hasMore ?? false}
                onPage={(page) => setParams(paramsOf({ ...filters, clinic: clinicId, page }))}
              />
            </>
          )}
        </section>
      )}
    </div>
  );
}
