import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { AppointmentCard } from './AppointmentCard.tsx';
import { useAppointments } from './queries.ts';

/** Upcoming (soonest first) or past (latest first) appointments, a page at a time. */
export function AppointmentList({ when }: { when: 'upcoming' | 'past' }) {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const list = useAppointments(when, page);
  const titleId = `appointments-${when}`;
  const noRecord = list.error instanceof ApiError && list.error.code === 'no_patient_record';
  return (
    <section className="section" aria-labelledby={titleId} aria-busy={list.isFetching}>
      <h2 id={titleId}>{t(`appointments.${when}`)}</h2>
      {list.isPending && <Loading />}
      {noRecord && <p>{t('appointments.errors.no_patient_record')}</p>}
      {list.isError && !noRecord && (
        <LoadFailed error={list.error} retry={() => void list.refetch()} />
      )}
      {list.data && list.data.appointments.length === 0 && (
        <p>{t(when === 'upcoming' ? 'appointments.noUpcoming' : 'appointments.noPast')}</p>
      )}
      {list.data && list.data.appointments.length > 0 && (
        <>
          <ul className="appointment-list">
            {list.data.appointments.map((a) => (
              <AppointmentCard key={a.id} appointment={a} />
            ))}
          </ul>
          <Pager
            label={t(`appointments.pages.${when}`)}
            page={list.data.page}
            pageCount={null}
            hasNext={list.data.hasMore}
            onPage={setPage}
          />
        </>
      )}
    </section>
  );
}
