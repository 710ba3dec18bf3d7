import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { roleName } from '../account/accessLog.ts';
import { api } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { dateTime } from '../i18n/format.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { TableWrap } from '../shell/TableWrap.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';

interface LockedAccount {
  userId: string;
  email: string;
  displayName: string;
  roles: string[];
  patientId: string | null;
  lockedUntil: string;
  failedSignIns: number;
}

const lockedKey = ['locked-accounts'] as const;

// Accounts locked after failed sign-ins. Unlock only after checking, by the
// clinic's own procedure, that the caller is the account holder.
export function LockedAccountsPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('locked.title'));
  const lang = i18n.resolvedLanguage ?? 'en';
  const client = useQueryClient();
  const list = useQuery({
    queryKey: lockedKey,
    queryFn: getJson<{ accounts: LockedAccount[] }>('/api/staff/locked-accounts'),
  });
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const unlock = async (a: LockedAccount) => {
    setMessage(null);
    try {
      await api(`/api/staff/accounts/${a.userId}/unlock`, { method: 'POST' });
      setMessage({ kind: 'success', text: t('locked.unlockedName', { name: a.displayName }) });
    } catch (error) {
      setMessage({ kind: 'error', text: errorMessage(t, lang, error) });
    }
    await client.invalidateQueries({ queryKey: lockedKey });
  };
  return (
    <>
      <h1>{t('locked.title')}</h1>
      <p>{t('locked.intro')}</p>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {list.isPending && <Loading />}
      {list.isError && <LoadFailed error={list.error} retry={() => void list.refetch()} />}
      {list.data && list.data.accounts.length === 0 && <p>{t('locked.none')}</p>}
      {list.data && list.data.accounts.length > 0 && (
        <TableWrap label={t('locked.title')}>
          <table className="table">
            <caption>{t('locked.caption', { count: list.data.accounts.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('locked.name')}</th>
                <th scope="col">{t('locked.role')}</th>
                <th scope="col">{t('locked.until')}</th>
                <th scope="col">{t('locked.failures')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('locked.action')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.accounts.map((a) => (
                <tr key={a.userId}>
                  <th scope="row">
                    {a.displayName}
                    <span className="cell-note">{a.email}</span>
                  </th>
                  <td>{a.roles.map((r) => roleName(t, r)).join(', ')}</td>
                  <td>{dateTime(lang, a.lockedUntil)}</td>
                  <td>{a.failedSignIns}</td>
                  <td>
                    <button type="button" className="button" onClick={() => void unlock(a)}>
                      {t('locked.unlock')}
                      <span className="visually-hidden"> {a.displayName}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}
