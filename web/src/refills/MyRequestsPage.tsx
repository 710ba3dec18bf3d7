import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError } from '../api.ts';
import { dateTime } from '../i18n/format.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './refills.css';
import { useMyRequests } from './queries.ts';
import { StatusLabel } from './StatusLabel.tsx';

/** /refills: the patient's refill requests, newest first, each with its status. */
export function MyRequestsPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  usePageTitle(t('refills.list.title'));
  const [page, setPage] = useState(1);
  const list = useMyRequests(page);
  const noRecord = list.error instanceof ApiError && list.error.code === 'no_patient_record';
  const requests = list.data?.requests ?? [];
  return (
    <>
      <h1>{t('refills.list.title')}</h1>
      <p>
        <Link to="/medications">{t('refills.done.medications')}</Link>
      </p>
      <div aria-busy={list.isFetching}>
        {list.isPending && <Loading />}
        {noRecord && <p>{t('refills.errors.no_patient_record')}</p>}
        {list.isError && !noRecord && (
          <LoadFailed error={list.error} retry={() => void list.refetch()} />
        )}
        {list.data && requests.length === 0 && <p>{t('refills.list.none')}</p>}
        {requests.length > 0 && (
          <ul className="refill-list">
            {requests.map((r) => (
              <li key={r.id} className="card">
                <h2>
                  <Link to={`/refills/${r.id}`}>{r.medicationName}</Link>
                </h2>
                <p>
                  <StatusLabel status={r.status} />{' '}
                  <span className="item__meta">
                    {t('refills.list.requestedOn', { date: dateTime(lang, r.createdAt) })}
                  </span>
                </p>
                {r.awaitingAnswer && (
                  <p className="medication__eligibility">{t('refills.list.awaitingAnswer')}</p>
                )}
              </li>
            ))}
          </ul>
        )}
        {list.data && (
          <Pager
            label={t('refills.list.pages')}
            page={list.data.page}
            pageCount={null}
            hasNext={list.data.hasMore}
            onPage={setPage}
          />
        )}
      </div>
    </>
  );
}
