import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { langOf } from '../frontdesk/frontDesk.ts';
import type { InboxPool } from './types.ts';

/** The pools this person works at the clinic, each with what waits in it, in words. */
export function PoolCounts({
  pools,
  linkTo,
}: {
  pools: InboxPool[];
  linkTo: (id: string) => string;
}) {
  const { t, i18n } = useTranslation();
  const lang = langOf(i18n.resolvedLanguage);
  const headingId = useId();
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{t('inbox.pools.title')}</h2>
      {pools.length === 0 ? (
        <p>{t('inbox.pools.none')}</p>
      ) : (
        <ul className="pool-list">
          {pools.map((pool) => (
            <li key={pool.id} className="pool">
              <Link to={linkTo(pool.id)} className="pool__name">
                {pool.name[lang]}
              </Link>
              <p className="pool__counts">
                {[
                  t('inbox.pools.new', { count: pool.counts.new }),
                  t('inbox.pools.inProgress', { count: pool.counts.inProgress }),
                  t('inbox.pools.waiting', { count: pool.counts.waitingForPatient }),
                  t('inbox.pools.unassigned', { count: pool.counts.unassigned }),
                ].join(' · ')}
              </p>
              {pool.counts.overdue > 0 && (
                <p>
                  <span className="badge badge--locked">
                    {t('inbox.pools.overdue', { count: pool.counts.overdue })}
                  </span>
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
