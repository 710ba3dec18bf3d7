import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { ClinicCard } from './ClinicCard.tsx';
import { useClinics } from './clinics.ts';

export function ClinicsSection() {
  const { t } = useTranslation();
  const clinics = useClinics();
  const heading = useRef<HTMLHeadingElement>(null);
  const retried = useRef(false);

  // The retry button disappears on success; put focus somewhere sensible.
  useEffect(() => {
    if (clinics.isSuccess && retried.current) {
      retried.current = false;
      heading.current?.focus();
    }
  }, [clinics.isSuccess]);

  const loading = clinics.isFetching && !clinics.isSuccess;
  const failed = clinics.isError && !loading;
  // One polite live region, present from the start, carries every state change,
  // so a retry that fails again is announced again.
  let status = '';
  if (loading) status = t('clinics.loading');
  else if (failed) status = t('clinics.error');
  else if (clinics.isSuccess) status = t('clinics.loaded');

  return (
    <section className="clinics" aria-labelledby="clinics-heading">
      <h2 id="clinics-heading" ref={heading} tabIndex={-1}>
        {t('clinics.heading')}
      </h2>
      <div className={failed ? 'notice notice--error' : undefined}>
        <p role="status" className={clinics.isSuccess ? 'visually-hidden' : 'status'}>
          {status}
        </p>
        {/* Stays mounted while retrying, so keyboard focus is not lost. */}
        {clinics.isError && (
          <button
            type="button"
            className="button"
            onClick={() => {
              retried.current = true;
              void clinics.refetch();
            }}
          >
            {t('clinics.retry')}
          </button>
        )}
      </div>
      {/* aria-busy sits beside the live region, not around it: busy regions go quiet. */}
      <div aria-busy={loading}>
        {clinics.data?.length === 0 && <p>{t('clinics.empty')}</p>}
        {clinics.data && clinics.data.length > 0 && (
          <ul className="clinic-list">
            {clinics.data.map((clinic) => (
              <ClinicCard key={clinic.id} clinic={clinic} />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
