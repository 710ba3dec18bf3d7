import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../api.ts';
import {
  ACTIVATION_ROLES,
  FRONT_DESK_ROLES,
  hasAnyRole,
  MESSAGE_INBOX_ROLES,
  PROXY_GRANT_ROLES,
  UNLOCK_ROLES,
} from '../auth/roles.ts';
import { useSession } from '../auth/session.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { calendarDate, dateTime } from '../i18n/format.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { AccountStateLabel } from './AccountStateLabel.tsx';
import { ActivationSection } from './ActivationSection.tsx';
import { ProxySection } from './ProxySection.tsx';
import { listName, type PatientRecord } from './patients.ts';

// One patient, as staff at their clinic see them. Opening it is audited (and
// shows in the patient's "Who accessed my record").
export function PatientPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { patientId = '' } = useParams();
  const roles = useSession().data?.roles ?? [];
  const record = useQuery({
    queryKey: ['staff-patient', patientId],
    queryFn: getJson<PatientRecord>(`/api/staff/patients/${encodeURIComponent(patientId)}`),
  });
  const data = record.data;
  // The title stays generic: browser history and tab lists are not for PHI.
  usePageTitle(t('patient.title'));

  return (
    <>
      <p>
        <Link to="/staff/patients">{t('patient.back')}</Link>
      </p>
      {record.isPending && <Loading />}
      {record.isError && <LoadFailed error={record.error} retry={() => void record.refetch()} />}
      {data && (
        <>
          <h1>{listName(data.patient.name)}</h1>
          <div className="sections">
            <section className="card section" aria-labelledby="demographics-title">
              <h2 id="demographics-title">{t('patient.details')}</h2>
              <dl className="facts">
                <div>
                  <dt>{t('patient.birthDate')}</dt>
                  <dd>{calendarDate(lang, data.patient.birthDate)}</dd>
                </div>
                <div>
                  <dt>{t('patient.email')}</dt>
                  <dd>{data.patient.email ?? t('patient.none')}</dd>
                </div>
                <div>
                  <dt>{t('patient.phone')}</dt>
                  <dd>{data.patient.phone ?? t('patient.none')}</dd>
                </div>
                <div>
                  <dt>{t('patient.clinics')}</dt>
                  <dd>
                    <ul className="plain-list">
                      {data.clinics.map((c) => (
                        <li key={c.clinicId}>
                          {t('staffSearch.clinicMrn', { clinic: c.clinicName, mrn: c.mrn })}
                        </li>
                      ))}
                    </ul>
                  </dd>
                </div>
              </dl>
            </section>
            {hasAnyRole(roles, FRONT_DESK_ROLES) && (
              <section className="card section" aria-labelledby="appointments-title">
                <h2 id="appointments-title">{t('frontDesk.patientSection.title')}</h2>
                <p>{t('frontDesk.patientSection.intro')}</p>
                <Link to={`/staff/patients/${data.patient.id}/appointments`}>
                  {t('frontDesk.patientSection.open')}
                </Link>
              </section>
            )}
            {hasAnyRole(roles, MESSAGE_INBOX_ROLES) && (
              <section className="card section" aria-labelledby="messages-title">
                <h2 id="messages-title">{t('inbox.patientSection.title')}</h2>
                <p>{t('inbox.patientSection.intro')}</p>
                <Link to={`/staff/messages/new?patientId=${data.patient.id}`}>
                  {t('inbox.patientSection.send')}
                </Link>
              </section>
            )}
            <AccountSection record={data} canUnlock={hasAnyRole(roles, UNLOCK_ROLES)} />
            {hasAnyRole(roles, ACTIVATION_ROLES) && <ActivationSection record={data} />}
            <ProxySection record={data} canGrant={hasAnyRole(roles, PROXY_GRANT_ROLES)} />
          </div>
        </>
      )}
    </>
  );
}

function AccountSection({ record, canUnlock }: { record: PatientRecord; canUnlock: boolean }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const client = useQueryClient();
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const account = record.account;
  const unlock = async (userId: string) => {
    setMessage(null);
    try {
      await api(`/api/staff/accounts/${userId}/unlock`, { method: 'POST' });
      setMessage({ kind: 'success', text: t('locked.unlocked') });
      await client.invalidateQueries({ queryKey: ['staff-patient', record.patient.id] });
    } catch (error) {
      setMessage({ kind: 'error', text: errorMessage(t, lang, error) });
    }
  };
  return (
    <section className="card section" aria-labelledby="account-title">
      <h2 id="account-title">{t('patient.account')}</h2>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {account ? (
        <dl className="facts">
          <div>
            <dt>{t('patient.accountState')}</dt>
            <dd>
              <AccountStateLabel state={account.state} />
            </dd>
          </div>
          <div>
            <dt>{t('patient.signInEmail')}</dt>
            <dd>{account.email}</dd>
          </div>
          <div>
            <dt>{t('patient.mfa')}</dt>
            <dd>{account.mfaEnabled ? t('mfaSettings.on') : t('mfaSettings.off')}</dd>
          </div>
          {account.lockedUntil && (
            <div>
              <dt>{t('patient.lockedUntil')}</dt>
              <dd>{dateTime(lang, account.lockedUntil)}</dd>
            </div>
          )}
        </dl>
      ) : (
        <p>
          <AccountStateLabel state={record.activationCode ? 'invited' : 'none'} />{' '}
          {t('patient.noAccount')}
        </p>
      )}
      {account?.state === 'locked' && canUnlock && (
        <button type="button" className="button" onClick={() => void unlock(account.userId)}>
          {t('locked.unlock')}
        </button>
      )}
    </section>
  );
}
