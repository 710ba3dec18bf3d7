import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { SelectField } from '../forms/SelectField.tsx';
import { clinicDateTime } from '../frontdesk/frontDesk.ts';
import { chosenClinic, useDeskOptions } from '../frontdesk/useDeskOptions.ts';
import { timeZoneName } from '../i18n/format.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { TableWrap } from '../shell/TableWrap.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './refills.css';
import { worded } from './errors.ts';
import { useQueue } from './queries.ts';
import { queueFlags, queueView } from './queue.ts';
import { StatusLabel } from './StatusLabel.tsx';
import type { QueueView } from './types.ts';

const VIEWS: QueueView[] = ['undecided', 'decided'];

// /staff/refills: a clinic's refill requests waiting for a decision, oldest
// first, each with the clinic's target time and "Overdue" in words; or the
// decided ones. Clinic, view and page live in the URL so a link keeps them.
export function QueuePage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  usePageTitle(t('refills.staff.title'));
  const [params, setParams] = useSearchParams();
  const options = useDeskOptions();
  const clinic = chosenClinic(options.data, params.get('clinic'))?.clinic;
  const view = queueView(params.get('view'));
  const page = Math.max(1, Number(params.get('page')) || 1);
  const queue = useQueue(clinic?.id, view, page);
  const go = (next: { clinic?: string; view?: QueueView; page?: number }) =>
    setParams({
      clinic: next.clinic ?? clinic?.id ?? '',
      view: next.view ?? view,
      page: String(next.page ?? 1),
    });
  const items = queue.data?.items ?? [];
  return (
    <>
      <h1>{t('refills.staff.title')}</h1>
      <p>{t('refills.staff.intro')}</p>
      {options.isPending && <Loading />}
      {options.isError && <LoadFailed error={options.error} retry={() => void options.refetch()} />}
      {clinic && (
        <form className="form form--grid" noValidate onSubmit={(event) => event.preventDefault()}>
          {(options.data?.length ?? 0) > 1 && (
            <SelectField
              id="refills-clinic"
              label={t('refills.staff.clinic')}
              value={clinic.id}
              onValue={(id) => go({ clinic: id })}
              options={(options.data ?? []).map((c) => ({
                value: c.clinic.id,
                label: c.clinic.name,
              }))}
            />
          )}
          <SelectField
            id="refills-view"
            label={t('refills.staff.view')}
            value={view}
            onValue={(v) => go({ view: queueView(v) })}
            options={VIEWS.map((v) => ({ value: v, label: t(`refills.staff.views.${v}`) }))}
          />
        </form>
      )}
      {clinic && <p>{t('refills.staff.timesIn', { zone: timeZoneName(lang, clinic.timeZone) })}</p>}
      {queue.isError && (
        <LoadFailed error={worded(t, lang, queue.error)} retry={() => void queue.refetch()} />
      )}
      <p role="status" className="status">
        {queue.data &&
          (items.length === 0
            ? t('refills.staff.none')
            : t('refills.staff.found', { count: items.length }))}
      </p>
      {clinic && items.length > 0 && (
        <>
          <TableWrap label={t('refills.staff.title')} busy={queue.isFetching}>
            <table className="table table--compact">
              <caption>
                {t('refills.staff.caption', { clinic: clinic.name })}:{' '}
                {t(`refills.staff.views.${view}`)}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('refills.staff.columns.patient')}</th>
                  <th scope="col">{t('refills.staff.columns.medication')}</th>
                  <th scope="col">{t('refills.staff.columns.asked')}</th>
                  <th scope="col">{t('refills.staff.columns.due')}</th>
                  <th scope="col">{t('refills.staff.columns.status')}</th>
                  <th scope="col">{t('refills.staff.columns.flags')}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.id}>
                    <th scope="row">
                      <Link to={`/staff/refills/${item.id}`}>{item.patientName}</Link>
                    </th>
                    <td>
                      {item.medicationName}
                      <span className="cell-note">{t(`refills.kind.${item.kind}`)}</span>
                    </td>
                    <td>{clinicDateTime(lang, item.createdAt, clinic.timeZone)}</td>
                    <td>{clinicDateTime(lang, item.dueAt, clinic.timeZone)}</td>
                    <td>
                      <StatusLabel status={item.status} />
                    </td>
                    <td>
                      <ul className="flag-list">
                        {queueFlags(item).map((flag) => (
                          <li key={flag}>
                            <span
                              className={`badge badge--${flag === 'overdue' ? 'locked' : 'none'}`}
                            >
                              {t(`refills.staff.flags.${flag}`)}
                            </span>
                          </li>
                        ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            label={t('refills.staff.pages')}
            page={page}
            pageCount={null}
            hasNext={queue.data?.hasMore ?? false}
            onPage={(next) => go({ page: next })}
          />
        </>
      )}
    </>
  );
}
