import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { dateTime } from '../i18n/format.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { TableWrap } from '../shell/TableWrap.tsx';

interface OpenSession {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  ip: string | null;
  device: string;
}

const sessionsKey = ['account-sessions'] as const;

// Where this account is signed in; any other session can be ended from here.
export function SessionsSection() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const client = useQueryClient();
  const list = useQuery({
    queryKey: sessionsKey,
    queryFn: getJson<{ sessions: OpenSession[] }>('/api/account/sessions'),
  });
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const run = async (request: () => Promise<string>) => {
    setMessage(null);
    try {
      setMessage({ kind: 'success', text: await request() });
    } catch (error) {
      setMessage({ kind: 'error', text: errorMessage(t, lang, error) });
    }
    await client.invalidateQueries({ queryKey: sessionsKey });
  };
  const endOne = (s: OpenSession) =>
    run(async () => {
      await api(`/api/account/sessions/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
      return t('sessions.ended', { device: s.device });
    });
  const endOthers = () =>
    run(async () => {
      const { ended } = await api<{ ended: number }>('/api/account/sessions', {
        method: 'DELETE',
      });
      return t('sessions.endedOthers', { count: ended });
    });

  const others = list.data?.sessions.filter((s) => !s.current).length ?? 0;
  return (
    <section className="card section" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('sessions.title')}</h2>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {list.isPending && <Loading />}
      {list.isError && <LoadFailed error={list.error} retry={() => void list.refetch()} />}
      {list.data && (
        <TableWrap label={t('sessions.title')}>
          <table className="table">
            <caption>{t('sessions.caption', { count: list.data.sessions.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('sessions.device')}</th>
                <th scope="col">{t('sessions.ip')}</th>
                <th scope="col">{t('sessions.signedIn')}</th>
                <th scope="col">{t('sessions.lastSeen')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('sessions.action')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.sessions.map((s) => (
                <tr key={s.id}>
                  <th scope="row">{s.device}</th>
                  <td>{s.ip ?? '—'}</td>
                  <td>{dateTime(lang, s.createdAt)}</td>
                  <td>{dateTime(lang, s.lastSeenAt)}</td>
                  <td>
                    {s.current ? (
                      <strong>{t('sessions.thisDevice')}</strong>
                    ) : (
                      <button
                        type="button"
                        className="button button--secondary"
                        onClick={() => void endOne(s)}
                      >
                        {t('sessions.end')}
                        <span className="visually-hidden">
                          {' '}
                          {s.device}, {dateTime(lang, s.lastSeenAt)}
                        </span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {others > 0 && (
        <button type="button" className="button" onClick={() => void endOthers()}>
          {t('sessions.endOthers')}
        </button>
      )}
    </section>
  );
}
