import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useFocusOnMount } from '../appointments/focus.ts';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { StatusLabel } from './StatusLabel.tsx';
import type { RefillRequest } from './types.ts';

/** After "Send": the requests made, each a link to its page. The heading takes focus. */
export function RequestsSent({
  requests,
  onBack,
}: {
  requests: RefillRequest[];
  onBack: () => void;
}) {
  const { t } = useTranslation();
  usePageTitle(t('refills.done.title'));
  const heading = useFocusOnMount<HTMLHeadingElement>(true);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {t('refills.done.title')}
      </h1>
      <p role="status">{t('refills.done.intro')}</p>
      <h2>{t('refills.done.requests')}</h2>
      <ul className="refill-list">
        {requests.map((r) => (
          <li key={r.id} className="card">
            <Link to={`/refills/${r.id}`}>{r.medicationName}</Link>{' '}
            <StatusLabel status={r.status} />
            {r.pharmacy && <p className="item__meta">{r.pharmacy.name}</p>}
          </li>
        ))}
      </ul>
      <ul className="plain-list button-row">
        <li>
          <Link to="/refills">{t('refills.done.list')}</Link>
        </li>
        <li>
          <button type="button" className="link-button" onClick={onBack}>
            {t('refills.done.medications')}
          </button>
        </li>
      </ul>
    </>
  );
}
