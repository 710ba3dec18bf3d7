import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../api.ts';
import { Notice } from '../forms/Notice.tsx';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import type { PatientRecord } from '../staff/patients.ts';
import { AppointmentStatus } from './AppointmentStatus.tsx';
import {
  type AppointmentPage,
  clinicDateTime,
  langOf,
  listName,
  type StaffAppointment,
} from './frontDesk.ts';
import { ReasonDialog } from './ReasonDialog.tsx';
import { type Choice, SlotFinder } from './SlotFinder.tsx';
import { useDeskOptions } from './useDeskOptions.ts';

// Booking for a patient at the desk (on the phone, at the counter): their
// upcoming appointments at the desk's clinics with reschedule and cancel,
// and the search for a new time. The online rules (lead time, cut-offs,
// request-only visit types) do not bind staff; a time taken is still taken.
export function PatientAppointmentsPage() {
  const { t, i18n } = useTranslation();
  // The title stays generic: browser history and tab lists are not for PHI.
  usePageTitle(t('frontDesk.schedule.manage'));
  const lang = i18n.resolvedLanguage ?? 'en';
  const { patientId = '' } = useParams();
  const client = useQueryClient();
  const [page, setPage] = useState(1);
  const [moving, setMoving] = useState<StaffAppointment | null>(null);
  const [cancelling, setCancelling] = useState<StaffAppointment | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const findTitle = useRef<HTMLHeadingElement>(null);
  // Choosing "Reschedule" moves the reader to the search for the new time.
  useEffect(() => {
    if (moving) findTitle.current?.focus();
  }, [moving]);
  const record = useQuery({
    queryKey: ['staff-patient', patientId],
    queryFn: getJson<PatientRecord>(`/api/staff/patients/${encodeURIComponent(patientId)}`),
  });
  const options = useDeskOptions();
  const upcoming = useQuery({
    queryKey: ['front-desk', 'patient', patientId, page],
    queryFn: getJson<AppointmentPage>(
      `/api/staff/scheduling/patients/${encodeURIComponent(patientId)}/appointments?when=upcoming&page=${page}`,
    ),
    placeholderData: keepPreviousData,
  });
  const clinics = (options.data ?? []).filter((c) =>
    record.data?.clinics.some((r) => r.clinicId === c.clinic.id),
  );
  const refresh = () => client.invalidateQueries({ queryKey: ['front-desk'] });

  const book = async (choice: Choice) => {
    setMessage(null);
    const a = moving
      ? await api<StaffAppointment>(`/api/staff/appointments/${moving.id}/reschedule`, {
          method: 'POST',
          json: { slotId: choice.slot.id },
        })
      : await api<StaffAppointment>('/api/staff/appointments', {
          method: 'POST',
          json: {
            patientId,
            slotId: choice.slot.id,
            visitTypeId: choice.visitTypeId,
            ...(choice.mode ? { mode: choice.mode } : {}),
          },
        });
    const when = clinicDateTime(lang, a.startsAt, a.timeZone);
    setMessage(t(moving ? 'frontDesk.book.moved' : 'frontDesk.book.booked', { when }));
    setMoving(null);
    await refresh();
  };

  const cancel = async (reason: string) => {
    const a = cancelling as StaffAppointment;
    await api(`/api/staff/appointments/${a.id}/cancel`, { method: 'POST', json: { reason } });
    setCancelling(null);
    setMessage(t('frontDesk.book.cancelled'));
    await refresh();
  };

  const patient = record.data?.patient;
  return (
    <>
      <p>
        <Link to={`/staff/patients/${patientId}`}>{t('frontDesk.book.back')}</Link>
      </p>
      {(record.isPending || options.isPending) && <Loading />}
      {record.isError && <LoadFailed error={record.error} retry={() => void record.refetch()} />}
      {patient && <h1>{t('frontDesk.book.title', { name: listName(patient.name) })}</h1>}
      {message && <Notice kind="success">{message}</Notice>}
      {patient && (
        <div className="sections">
          <section className="card section" aria-labelledby="upcoming-title">
            <h2 id="upcoming-title">{t('frontDesk.book.upcoming')}</h2>
            {upcoming.isError && (
              <LoadFailed error={upcoming.error} retry={() => void upcoming.refetch()} />
            )}
            {upcoming.data?.appointments.length === 0 && <p>{t('frontDesk.book.noneUpcoming')}</p>}
            {(upcoming.data?.appointments.length ?? 0) > 0 && (
              <ul className="item-list">
                {upcoming.data?.appointments.map((a) => (
                  <UpcomingItem
                    key={a.id}
                    appointment={a}
                    onMove={() => {
                      setMessage(null);
                      setMoving(a);
                    }}
                    onCancel={() => {
                      setMessage(null);
                      setCancelling(a);
                    }}
                  />
                ))}
              </ul>
            )}
            {upcoming.data && (
              <Pager
                label={t('frontDesk.book.upcoming')}
                page={upcoming.data.page}
                pageCount={null}
                hasNext={upcoming.data.hasMore}
                onPage={setPage}
              />
            )}
          </section>
          <section className="card section" aria-labelledby="find-title">
            <h2 id="find-title" ref={findTitle} tabIndex={-1}>
              {t(moving ? 'frontDesk.book.moveTitle' : 'frontDesk.book.newTitle')}
            </h2>
            {moving && (
              <div className="button-row">
                <p>
                  {t('frontDesk.book.moving', {
                    when: clinicDateTime(lang, moving.startsAt, moving.timeZone),
                  })}
                </p>
                <button
                  type="button"
                  className="button button--secondary"
                  onClick={() => setMoving(null)}
                >
                  {t('frontDesk.book.keep')}
                </button>
              </div>
            )}
            {options.data && clinics.length === 0 && <p>{t('frontDesk.book.notRegistered')}</p>}
            {clinics.length > 0 && (
              <SlotFinder
                key={moving?.id ?? 'new'}
                patientId={patientId}
                clinics={clinics}
                fixed={
                  moving
                    ? { clinicId: moving.clinicId, visitTypeId: moving.visitTypeId }
                    : undefined
                }
                confirmLabel={t(
                  moving ? 'frontDesk.book.confirmMove' : 'frontDesk.book.confirmBook',
                )}
                onConfirm={book}
              />
            )}
          </section>
        </div>
      )}
      <ReasonDialog
        open={cancelling !== null}
        title={t('frontDesk.book.cancelTitle')}
        intro={t('frontDesk.book.cancelIntro')}
        confirm={t('frontDesk.book.cancel')}
        onCancel={() => setCancelling(null)}
        onConfirm={cancel}
      />
    </>
  );
}

function UpcomingItem({
  appointment: a,
  onMove,
  onCancel,
}: {
  appointment: StaffAppointment;
  onMove: () => void;
  onCancel: () => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const when = clinicDateTime(lang, a.startsAt, a.timeZone);
  return (
    <li className="item">
      <div className="item__main">
        <strong>{when}</strong>
        <span>
          {t('frontDesk.book.with', {
            visit: a.visitTypeName[langOf(lang)],
            provider: a.providerName,
          })}
        </span>
        <span className="item__meta">
          {a.clinicName} · {t(`frontDesk.mode.${a.mode}`)} · <AppointmentStatus appointment={a} />
        </span>
      </div>
      {a.staffCanChange && (
        <div className="button-row">
          <button type="button" className="button button--secondary" onClick={onMove}>
            {t('frontDesk.book.reschedule')}
            <span className="visually-hidden"> {when}</span>
          </button>
          <button type="button" className="button button--danger" onClick={onCancel}>
            {t('frontDesk.book.cancel')}
            <span className="visually-hidden"> {when}</span>
          </button>
        </div>
      )}
    </li>
  );
}
