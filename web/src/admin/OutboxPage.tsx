import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { dateTime } from '../i18n/format.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { TableWrap } from '../shell/TableWrap.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import {
  canDiscard,
  canRetry,
  kindKey,
  OUTBOX_STATUSES,
  type OutboxItem,
  type OutboxSearch,
  type OutboxPage as Page,
  searchParams,
} from './ehrDesk.ts';
import { NoteDialog } from './NoteDialog.tsx';

const START: OutboxSearch = { status: '', page: 1 };
const SUMMARY = ['pending', 'failed', 'dead'] as const;

// Changes on their way to the clinic's EHR. While the EHR is away they wait
// here and are retried on their own; the desk retries a dead one once the
// cause is fixed, or discards one the EHR must not get (with a note).
export function OutboxPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('outbox.title'));
  const lang = i18n.resolvedLanguage ?? 'en';
  const client = useQueryClient();
  const [search, setSearch] = useState<OutboxSearch>(START);
  const [status, setStatus] = useState<OutboxSearch['status']>('');
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [discarding, setDiscarding] = useState<OutboxItem | null>(null);
  const list = useQuery({
    queryKey: ['ehr-outbox', search],
    queryFn: getJson<Page>(`/api/admin/outbox?${searchParams(search)}`),
    placeholderData: keepPreviousData,
  });
  const refresh = () => client.invalidateQueries({ queryKey: ['ehr-outbox'] });
  const kindName = (kind: string) => {
    const key = kindKey(kind);
    return key ? t(`outbox.kinds.${key}`) : kind;
  };

  const act = async (item: OutboxItem, action: 'retry' | 'discard', note?: string) => {
    setMessage(null);
    try {
      await api(`/api/admin/outbox/${item.id}/${action}`, {
        method: 'POST',
        json: action === 'discard' ? { note } : undefined,
      });
      setMessage({
        kind: 'success',
        text: t(action === 'retry' ? 'outbox.retried' : 'outbox.discarded'),
      });
    } catch (error) {
      if (action === 'discard') throw error;
      setMessage({ kind: 'error', text: errorMessage(t, lang, error) });
    } finally {
      await refresh();
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch({ status, page: 1 });
  };

  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  return (
    <>
      <h1>{t('outbox.title')}</h1>
      <p>{t('outbox.intro')}</p>
      {data && (
        <ul className="plain-list button-row">
          {SUMMARY.map((s) => (
            <li
              key={s}
              className={`badge badge--${s === 'dead' ? 'locked' : s === 'failed' ? 'invited' : 'none'}`}
            >
              {t(`outbox.counts.${s}`, { count: data.counts[s] ?? 0 })}
            </li>
          ))}
        </ul>
      )}
      <form className="form form--grid" noValidate onSubmit={submit}>
        <SelectField
          id="outbox-status"
          label={t('outbox.status')}
          value={status}
          onValue={(v) => setStatus(v as OutboxSearch['status'])}
          options={[
            { value: '', label: t('outbox.anyStatus') },
            ...OUTBOX_STATUSES.map((s) => ({ value: s, label: t(`outbox.statuses.${s}`) })),
          ]}
        />
        <div className="button-row form__actions">
          <button type="submit" className="button">
            {t('outbox.show')}
          </button>
          <button type="button" className="button button--secondary" onClick={() => void refresh()}>
            {t('outbox.refresh')}
          </button>
        </div>
      </form>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {list.isPending && <Loading />}
      {list.isError && <LoadFailed error={list.error} retry={() => void list.refetch()} />}
      <p role="status" className="status">
        {data && t('outbox.found', { count: data.total })}
      </p>
      {data && data.items.length > 0 && (
        <>
          <TableWrap label={t('outbox.title')} busy={list.isFetching}>
            <table className="table table--compact">
              <caption>
                {t('outbox.caption', { count: data.total, page: data.page, pages })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('outbox.columns.created')}</th>
                  <th scope="col">{t('outbox.columns.kind')}</th>
                  <th scope="col">{t('outbox.columns.status')}</th>
                  <th scope="col">{t('outbox.columns.attempts')}</th>
                  <th scope="col">{t('outbox.columns.lastError')}</th>
                  <th scope="col">{t('outbox.columns.next')}</th>
                  <th scope="col">{t('outbox.columns.patient')}</th>
                  <th scope="col">{t('outbox.columns.clinic')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('outbox.columns.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((item) => (
                  <tr key={item.id}>
                    <td>{dateTime(lang, item.createdAt)}</td>
                    <td>{kindName(item.kind)}</td>
                    <td>
                      {t(`outbox.statuses.${item.status}`)}
                      {item.confirmedAt && (
                        <span className="cell-note">{dateTime(lang, item.confirmedAt)}</span>
                      )}
                      {item.note && <span className="cell-note">{item.note}</span>}
                    </td>
                    <td>{item.attempts}</td>
                    <td>{item.lastError ?? '—'}</td>
                    <td>{item.nextAttemptAt ? dateTime(lang, item.nextAttemptAt) : '—'}</td>
                    <td>
                      {item.patientId ? (
                        <Link to={`/staff/patients/${item.patientId}`}>
                          {t('outbox.openPatient')}
                        </Link>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>{item.clinic.name}</td>
                    <td>
                      <div className="button-row">
                        {canRetry(item.status) && (
                          <button
                            type="button"
                            className="button button--secondary"
                            onClick={() => void act(item, 'retry')}
                          >
                            {t('outbox.retry')}
                            <span className="visually-hidden">
                              {' '}
                              {t('outbox.itemFrom', { time: dateTime(lang, item.createdAt) })}
                            </span>
                          </button>
                        )}
                        {canDiscard(item.status) && (
                          <button
                            type="button"
                            className="button button--danger"
                            onClick={() => setDiscarding(item)}
                          >
                            {t('outbox.discard')}
                            <span className="visually-hidden">
                              {' '}
                              {t('outbox.itemFrom', { time: dateTime(lang, item.createdAt) })}
                            </span>
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            label={t('outbox.pages')}
            page={data.page}
            pageCount={pages}
            hasNext={data.page < pages}
            onPage={(page) => setSearch({ ...search, page })}
          />
        </>
      )}
      <NoteDialog
        open={discarding !== null}
        title={t('outbox.discardTitle')}
        intro={t('outbox.discardIntro')}
        confirm={t('outbox.discard')}
        onCancel={() => setDiscarding(null)}
        onConfirm={async (note) => {
          await act(discarding as OutboxItem, 'discard', note);
          setDiscarding(null);
        }}
      />
    </>
  );
}
