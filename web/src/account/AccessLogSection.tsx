import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'react-router';
import { dateTime } from '../i18n/format.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { TableWrap } from '../shell/TableWrap.tsx';
import { type AccessLogPage, describeAccess, roleName } from './accessLog.ts';

// "Who accessed my record": staff who viewed or changed the record of the
// patient this session acts for, newest first.
export function AccessLogSection() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const [page, setPage] = useState(1);
  const heading = useRef<HTMLHeadingElement>(null);
  const asked = (useLocation().state as { focus?: string } | null)?.focus === 'access-log';
  // Arriving from "Who accessed my record" on the home page: start here.
  useEffect(() => {
    if (asked) heading.current?.focus();
  }, [asked]);
  const log = useQuery({
    queryKey: ['access-log', page],
    queryFn: getJson<AccessLogPage>(`/api/account/access-log?page=${page}`),
    placeholderData: keepPreviousData,
  });
  return (
    <section className="card section" id="access-log" aria-labelledby="access-log-title">
      <h2 id="access-log-title" ref={heading} tabIndex={-1}>
        {t('accessLog.title')}
      </h2>
      <p>{t('accessLog.intro')}</p>
      {log.isPending && <Loading />}
      {log.isError && <LoadFailed error={log.error} retry={() => void log.refetch()} />}
      {log.data && log.data.entries.length === 0 && page === 1 && <p>{t('accessLog.empty')}</p>}
      {log.data && log.data.entries.length > 0 && (
        <TableWrap label={t('accessLog.title')} busy={log.isFetching}>
          <table className="table">
            <caption>{t('accessLog.caption', { page: log.data.page })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('accessLog.when')}</th>
                <th scope="col">{t('accessLog.who')}</th>
                <th scope="col">{t('accessLog.role')}</th>
                <th scope="col">{t('accessLog.clinic')}</th>
                <th scope="col">{t('accessLog.whatHeading')}</th>
              </tr>
            </thead>
            <tbody>
              {log.data.entries.map((e, i) => (
                // Entries carry no id; each page is replaced as a whole.
                // biome-ignore lint/suspicious/noArrayIndexKey: see above
                <tr key={i}>
                  <td>{dateTime(lang, e.at)}</td>
                  <th scope="row">{e.staffName}</th>
                  <td>{e.roles.map((r) => roleName(t, r)).join(', ') || '—'}</td>
                  <td>{e.clinic ?? '—'}</td>
                  <td>
                    {describeAccess(t, e.action, e.resourceType)}
                    {e.outcome === 'failure' && ` (${t('accessLog.refused')})`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {log.data && (
        <Pager
          label={t('accessLog.pages')}
          page={page}
          pageCount={null}
          hasNext={log.data.hasMore}
          onPage={setPage}
        />
      )}
    </section>
  );
}
