import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useSession } from '../auth/session.ts';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { currentRecord, fullName, useDependents } from './dependents.ts';

// A patient's (or caregiver's) start page. Later issues add records here.
export function HomePage() {
  const { t } = useTranslation();
  usePageTitle(t('home.title'));
  const session = useSession();
  const dependents = useDependents(true);
  const user = session.data?.user;
  const record = dependents.data ? currentRecord(dependents.data) : null;
  const forSomeoneElse = Boolean(dependents.data?.actingForPatientId);
  return (
    <>
      <h1>{t('home.greeting', { name: user?.displayName ?? '' })}</h1>
      {record && forSomeoneElse && (
        <p className="lead">{t('home.actingFor', { name: fullName(record.name) })}</p>
      )}
      {!record && dependents.data && <p className="lead">{t('home.noRecord')}</p>}
      <ul className="link-cards">
        {record && (
          <li className="card">
            <h2>
              <Link to="/appointments">{t('appointments.title')}</Link>
            </h2>
            <p>{t('appointments.homeText')}</p>
          </li>
        )}
        {record && (
          <li className="card">
            <h2>
              <Link to="/medications">{t('refills.title')}</Link>
            </h2>
            <p>{t('refills.homeText')}</p>
          </li>
        )}
        {record && (
          <li className="card">
            <h2>
              <Link to="/messages">{t('messages.title')}</Link>
            </h2>
            <p>{t('messages.homeText')}</p>
          </li>
        )}
        <li className="card">
          <h2>
            <Link to="/account">{t('home.accountLink')}</Link>
          </h2>
          <p>{t('home.accountText')}</p>
        </li>
        {record && (
          <li className="card">
            <h2>
              <Link to="/account" state={{ focus: 'access-log' }}>
                {t('home.accessLink')}
              </Link>
            </h2>
            <p>{t('home.accessText')}</p>
          </li>
        )}
      </ul>
    </>
  );
}
