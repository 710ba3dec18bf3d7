import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { Notice } from '../forms/Notice.tsx';
import { SelectField } from '../forms/SelectField.tsx';
import { TextField } from '../forms/TextField.tsx';
import { calendarDate, timeZoneName } from '../i18n/format.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { TableWrap } from '../shell/TableWrap.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { AppointmentStatus, CheckInStatus } from './AppointmentStatus.tsx';
import {
  type ClinicOptions,
  clinicTime,
  type DayView,
  dayName,
  deskError,
  isDay,
  langOf,
  listName,
  type StaffAppointment,
  shiftDay,
  todayIn,
  type VisitOutcome,
} from './frontDesk.ts';
import { chosenClinic, useDeskOptions } from './useDeskOptions.ts';

const DAY_KEY = ['front-desk', 'day'] as const;

// A clinic's day at the front desk: every appointment by time with its
// status and check-in in words, the providers' open times left, and the
// marks for the day (arrived, no-show, completed). The clinic, day and
// provider are in the page address (no patient detail), so a reload or a
// shared link shows the same day.
export function SchedulePage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('frontDesk.schedule.title'));
  const lang = i18n.resolvedLanguage ?? 'en';
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const options = useDeskOptions();
  const clinic = chosenClinic(options.data, params.get('clinic'));
  const zone = clinic?.clinic.timeZone ?? 'UTC';
  const date = params.get('date') ?? todayIn(zone);
  const providerId = params.get('provider') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const query = new URLSearchParams({
    clinicId: clinic?.clinic.id ?? '',
    date,
    page: String(page),
    ...(providerId ? { providerId } : {}),
  });
  const day = useQuery({
    queryKey: [...DAY_KEY, query.toString()],
    queryFn: getJson<DayView>(`/api/staff/scheduling/day?${query}`),
    enabled: clinic !== undefined && isDay(date),
    placeholderData: keepPreviousData,
  });

  const show = (next: { clinic?: string; date?: string; provider?: string; page?: number }) => {
    const merged = {
      clinic: next.clinic ?? clinic?.clinic.id ?? '',
      date: next.date ?? date,
      provider: next.provider ?? providerId,
      page: String(next.page ?? 1),
    };
    setMessage(null);
    setParams(Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== '')));
  };

  const mark = async (a: StaffAppointment, outcome: VisitOutcome) => {
    setMessage(null);
    try {
      await api(`/api/staff/appointments/${a.id}/status`, {
        method: 'POST',
        json: { status: outcome },
      });
      setMessage({
        kind: 'success',
        text: t(`frontDesk.marked.${outcome}`, { name: listName(a.patient.name) }),
      });
    } catch (error) {
      setMessage({ kind: 'error', text: deskError(t, lang, error) });
    } finally {
      await client.invalidateQueries({ queryKey: DAY_KEY });
    }
  };

  const data = day.data;
  return (
    <>
      <h1>{t('frontDesk.schedule.title')}</h1>
      {options.isPending && <Loading />}
      {options.isError && <LoadFailed error={options.error} retry={() => void options.refetch()} />}
      {clinic && (
        <>
          <DayForm
            key={`${clinic.clinic.id}|${date}|${providerId}`}
            clinics={options.data ?? []}
            clinic={clinic}
            date={date}
            providerId={providerId}
            onShow={show}
          />
          <div className="button-row">
            <button
              type="button"
              className="button button--secondary"
              onClick={() => show({ date: shiftDay(date, -1) })}
            >
              {t('frontDesk.schedule.previousDay')}
            </button>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => show({ date: todayIn(zone) })}
            >
              {t('frontDesk.schedule.today')}
            </button>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => show({ date: shiftDay(date, 1) })}
            >
              {t('frontDesk.schedule.nextDay')}
            </button>
          </div>
          <p>{t('frontDesk.timesIn', { zone: timeZoneName(lang, zone) })}</p>
        </>
      )}
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {day.isError && <LoadFailed error={day.error} retry={() => void day.refetch()} />}
      <p role="status" className="status">
        {data &&
          t('frontDesk.schedule.found', {
            count: data.appointments.length,
            date: dayName(lang, data.date),
          })}
      </p>
      {data && data.providers.length > 0 && (
        <section aria-labelledby="open-times-title">
          <h2 id="open-times-title">{t('frontDesk.schedule.providers')}</h2>
          <ul className="plain-list">
            {data.providers.map((p) => (
              <li key={p.id}>
                {p.name}: {t('frontDesk.schedule.freeSlots', { count: p.freeSlots })}
              </li>
            ))}
          </ul>
        </section>
      )}
      {data && data.appointments.length === 0 && <p>{t('frontDesk.schedule.none')}</p>}
      {data && data.appointments.length > 0 && (
        <>
          <TableWrap label={t('frontDesk.schedule.title')} busy={day.isFetching}>
            <table className="table table--compact">
              <caption>
                {t('frontDesk.schedule.caption', { date: dayName(lang, data.date) })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('frontDesk.schedule.columns.time')}</th>
                  <th scope="col">{t('frontDesk.schedule.columns.patient')}</th>
                  <th scope="col">{t('frontDesk.schedule.columns.visit')}</th>
                  <th scope="col">{t('frontDesk.schedule.columns.provider')}</th>
                  <th scope="col">{t('frontDesk.schedule.columns.status')}</th>
                  <th scope="col">{t('frontDesk.schedule.columns.checkIn')}</th>
                  <th scope="col">{t('frontDesk.schedule.columns.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {data.appointments.map((a) => (
                  <DayRow key={a.id} appointment={a} onMark={mark} />
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            label={t('frontDesk.schedule.pages')}
            page={data.page}
            pageCount={null}
            hasNext={data.hasMore}
            onPage={(next) => show({ page: next })}
          />
        </>
      )}
    </>
  );
}

function DayForm(props: {
  clinics: ClinicOptions[];
  clinic: ClinicOptions;
  date: string;
  providerId: string;
  onShow: (next: { clinic: string; date: string; provider: string }) => void;
}) {
  const { t } = useTranslation();
  const [values, setValues] = useState({
    clinic: props.clinic.clinic.id,
    date: props.date,
    provider: props.providerId,
  });
  const chosen = props.clinics.find((c) => c.clinic.id === values.clinic) ?? props.clinic;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onShow(values);
  };
  return (
    <form className="form form--grid" noValidate onSubmit={submit}>
      {props.clinics.length > 1 && (
        <SelectField
          id="day-clinic"
          label={t('frontDesk.clinic')}
          value={values.clinic}
          onValue={(clinic) => setValues({ ...values, clinic, provider: '' })}
          options={props.clinics.map((c) => ({ value: c.clinic.id, label: c.clinic.name }))}
        />
      )}
      <TextField
        id="day-date"
        type="date"
        label={t('frontDesk.schedule.date')}
        value={values.date}
        onValue={(date) => setValues({ ...values, date })}
      />
      <SelectField
        id="day-provider"
        label={t('frontDesk.schedule.provider')}
        value={values.provider}
        onValue={(provider) => setValues({ ...values, provider })}
        options={[
          { value: '', label: t('frontDesk.schedule.anyProvider') },
          ...chosen.providers.map((p) => ({ value: p.id, label: p.name })),
        ]}
      />
      <div className="button-row form__actions">
        <button type="submit" className="button">
          {t('frontDesk.schedule.show')}
        </button>
      </div>
    </form>
  );
}

function DayRow({
  appointment: a,
  onMark,
}: {
  appointment: StaffAppointment;
  onMark: (a: StaffAppointment, outcome: VisitOutcome) => Promise<void>;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const name = listName(a.patient.name);
  const time = clinicTime(lang, a.startsAt, a.timeZone);
  const forWhom = t('frontDesk.forWhom', { name, time });
  return (
    <tr>
      <td>{time}</td>
      <th scope="row">
        <Link to={`/staff/patients/${a.patient.id}`}>{name}</Link>
        <span className="cell-note">
          {t('frontDesk.schedule.born', { date: calendarDate(lang, a.patient.birthDate) })}
        </span>
      </th>
      <td>
        {a.visitTypeName[langOf(lang)]}
        <span className="cell-note">{t(`frontDesk.mode.${a.mode}`)}</span>
      </td>
      <td>{a.providerName}</td>
      <td>
        <AppointmentStatus appointment={a} />
      </td>
      <td>
        <CheckInStatus appointment={a} />
      </td>
      <td>
        <div className="button-row">
          {a.outcomes.map((outcome) => (
            <button
              key={outcome}
              type="button"
              className="button button--secondary"
              onClick={() => void onMark(a, outcome)}
            >
              {t(`frontDesk.mark.${outcome}`)}
              <span className="visually-hidden"> {forWhom}</span>
            </button>
          ))}
          <Link to={`/staff/patients/${a.patient.id}/appointments`}>
            {t('frontDesk.schedule.manage')}
            <span className="visually-hidden"> {forWhom}</span>
          </Link>
        </div>
      </td>
    </tr>
  );
}
