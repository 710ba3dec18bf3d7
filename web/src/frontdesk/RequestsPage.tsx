import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { Notice } from '../forms/Notice.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { calendarDate, dateTime, timeZoneName } from '../i18n/format.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { TableWrap } from '../shell/TableWrap.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import {
  type AppointmentPage,
  clinicDateTime,
  deskError,
  langOf,
  listName,
  type StaffAppointment,
} from './frontDesk.ts';
import { ReasonDialog } from './ReasonDialog.tsx';
import { chosenClinic, useDeskOptions } from './useDeskOptions.ts';

const REQUESTS_KEY = ['front-desk', 'requests'] as const;

// Booking requests waiting at a clinic, oldest first. Approving sends the
// booking to the EHR (the patient's confirmation follows when the EHR
// confirms); declining asks for a reason and tells the patient by e-mail.
export function RequestsPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('frontDesk.requests.title'));
  const lang = i18n.resolvedLanguage ?? 'en';
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const options = useDeskOptions();
  const clinic = chosenClinic(options.data, params.get('clinic'));
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [declining, setDeclining] = useState<StaffAppointment | null>(null);
  const query = new URLSearchParams({ clinicId: clinic?.clinic.id ?? '', page: String(page) });
  const list = useQuery({
    queryKey: [...REQUESTS_KEY, query.toString()],
    queryFn: getJson<AppointmentPage>(`/api/staff/scheduling/requests?${query}`),
    enabled: clinic !== undefined,
    placeholderData: keepPreviousData,
  });
  const refresh = () => client.invalidateQueries({ queryKey: ['front-desk'] });

  const approve = async (a: StaffAppointment) => {
    setMessage(null);
    try {
      await api(`/api/staff/appointments/${a.id}/approve`, { method: 'POST' });
      setMessage({
        kind: 'success',
        text: t('frontDesk.requests.approved', { name: listName(a.patient.name) }),
      });
    } catch (error) {
      setMessage({ kind: 'error', text: deskError(t, lang, error) });
    } finally {
      await refresh();
    }
  };

  const decline = async (reason: string) => {
    const a = declining as StaffAppointment;
    await api(`/api/staff/appointments/${a.id}/decline`, { method: 'POST', json: { reason } });
    setDeclining(null);
    setMessage({
      kind: 'success',
      text: t('frontDesk.requests.declined', { name: listName(a.patient.name) }),
    });
    await refresh();
  };

  const data = list.data;
  return (
    <>
      <h1>{t('frontDesk.requests.title')}</h1>
      <p>{t('frontDesk.requests.intro')}</p>
      {options.isPending && <Loading />}
      {options.isError && <LoadFailed error={options.error} retry={() => void options.refetch()} />}
      {clinic && (options.data?.length ?? 0) > 1 && (
        <form className="form" noValidate onSubmit={(event) => event.preventDefault()}>
          <SelectField
            id="requests-clinic"
            label={t('frontDesk.clinic')}
            value={clinic.clinic.id}
            onValue={(id) => setParams({ clinic: id })}
            options={(options.data ?? []).map((c) => ({
              value: c.clinic.id,
              label: c.clinic.name,
            }))}
          />
        </form>
      )}
      {clinic && (
        <p>{t('frontDesk.timesIn', { zone: timeZoneName(lang, clinic.clinic.timeZone) })}</p>
      )}
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {list.isError && <LoadFailed error={list.error} retry={() => void list.refetch()} />}
      <p role="status" className="status">
        {data &&
          (data.total === 0
            ? t('frontDesk.requests.none')
            : t('frontDesk.requests.found', { count: data.total }))}
      </p>
      {data && data.appointments.length > 0 && (
        <>
          <TableWrap label={t('frontDesk.requests.title')} busy={list.isFetching}>
            <table className="table table--compact">
              <caption>{t('frontDesk.requests.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('frontDesk.requests.columns.asked')}</th>
                  <th scope="col">{t('frontDesk.requests.columns.when')}</th>
                  <th scope="col">{t('frontDesk.requests.columns.patient')}</th>
                  <th scope="col">{t('frontDesk.requests.columns.visit')}</th>
                  <th scope="col">{t('frontDesk.requests.columns.provider')}</th>
                  <th scope="col">{t('frontDesk.requests.columns.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {data.appointments.map((a) => {
                  const name = listName(a.patient.name);
                  const when = clinicDateTime(lang, a.startsAt, a.timeZone);
                  const forWhom = t('frontDesk.forWhom', { name, time: when });
                  return (
                    <tr key={a.id}>
                      <td>{dateTime(lang, a.createdAt)}</td>
                      <td>{when}</td>
                      <th scope="row">
                        <Link to={`/staff/patients/${a.patient.id}`}>{name}</Link>
                        <span className="cell-note">
                          {t('frontDesk.schedule.born', {
                            date: calendarDate(lang, a.patient.birthDate),
                          })}
                        </span>
                      </th>
                      <td>
                        {a.visitTypeName[langOf(lang)]}
                        <span className="cell-note">{t(`frontDesk.mode.${a.mode}`)}</span>
                      </td>
                      <td>{a.providerName}</td>
                      <td>
                        <div className="button-row">
                          <button type="button" className="button" onClick={() => void approve(a)}>
                            {t('frontDesk.requests.approve')}
                            <span className="visually-hidden"> {forWhom}</span>
                          </button>
                          <button
                            type="button"
                            className="button button--danger"
                            onClick={() => {
                              setMessage(null);
                              setDeclining(a);
                            }}
                          >
                            {t('frontDesk.requests.decline')}
                            <span className="visually-hidden"> {forWhom}</span>
                          </button>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            label={t('frontDesk.requests.pages')}
            page={data.page}
            pageCount={null}
            hasNext={data.hasMore}
            onPage={(next) => setParams({ clinic: clinic?.clinic.id ?? '', page: String(next) })}
          />
        </>
      )}
      <ReasonDialog
        open={declining !== null}
        title={t('frontDesk.requests.declineTitle')}
        intro={t('frontDesk.requests.declineIntro')}
        confirm={t('frontDesk.requests.decline')}
        onCancel={() => setDeclining(null)}
        onConfirm={decline}
      />
    </>
  );
}
