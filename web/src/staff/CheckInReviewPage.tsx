import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { whenText } from '../appointments/when.ts';
import { PATIENT_CARE_ROLES } from '../auth/roles.ts';
import { useSession } from '../auth/session.ts';
import { SelectField } from '../forms/SelectField.tsx';
import { calendarDate } from '../i18n/format.ts';
import { useClinics } from '../public/clinics.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { Pager } from '../shell/Pager.tsx';
import { TableWrap } from '../shell/TableWrap.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import '../appointments/checkIn.css';
import { type CheckInPage, type CheckInSummary, listPath, type ReviewSearch } from './checkIns.ts';
import { listName } from './patients.ts';

export { CheckInDetailPage } from './CheckInDetailPage.tsx';

const START: ReviewSearch = { clinicId: '', show: 'unreviewed', page: 1 };

// Check-ins patients sent before their visits, unreviewed first (soonest
// visit first). Staff open one, enter the changes in the EHR themselves and
// mark it reviewed.
export function CheckInReviewPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('checkIn.staff.title'));
  const lang = i18n.resolvedLanguage === 'es' ? 'es' : 'en';
  const session = useSession();
  const clinics = useClinics();
  const [search, setSearch] = useState<ReviewSearch>(START);
  const [values, setValues] = useState({ clinicId: '', show: START.show as string });
  const list = useQuery({
    queryKey: ['staff-check-ins', search],
    queryFn: getJson<CheckInPage>(listPath(search)),
    placeholderData: keepPreviousData,
  });
  const myClinics = useMemo(() => {
    const grants = (session.data?.roles ?? []).filter((g) => PATIENT_CARE_ROLES.includes(g.role));
    const all = grants.some((g) => g.clinicId === null);
    return (clinics.data ?? []).filter((c) => all || grants.some((g) => g.clinicId === c.id));
  }, [clinics.data, session.data]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch({ clinicId: values.clinicId, show: values.show as ReviewSearch['show'], page: 1 });
  };
  const data = list.data;
  return (
    <>
      <h1>{t('checkIn.staff.title')}</h1>
      <p>{t('checkIn.staff.intro')}</p>
      <form className="form form--grid" noValidate onSubmit={submit}>
        {myClinics.length > 1 && (
          <SelectField
            id="check-ins-clinic"
            label={t('checkIn.staff.clinic')}
            value={values.clinicId}
            onValue={(clinicId) => setValues((v) => ({ ...v, clinicId }))}
            options={[
              { value: '', label: t('checkIn.staff.allClinics') },
              ...myClinics.map((c) => ({ value: c.id, label: c.name })),
            ]}
          />
        )}
        <SelectField
          id="check-ins-show"
          label={t('checkIn.staff.show')}
          value={values.show}
          onValue={(show) => setValues((v) => ({ ...v, show }))}
          options={[
            { value: 'unreviewed', label: t('checkIn.staff.showUnreviewed') },
            { value: 'all', label: t('checkIn.staff.showAll') },
          ]}
        />
        <div className="button-row form__actions">
          <button type="submit" className="button">
            {t('checkIn.staff.filter')}
          </button>
        </div>
      </form>
      {list.isPending && <Loading />}
      {list.isError && <LoadFailed error={list.error} retry={() => void list.refetch()} />}
      <p role="status" className="status">
        {data && data.checkIns.length === 0 && t('checkIn.staff.none')}
      </p>
      {data && data.checkIns.length > 0 && (
        <>
          <TableWrap label={t('checkIn.staff.title')} busy={list.isFetching}>
            <table className="table review-table">
              <caption>{t('checkIn.staff.caption', { page: data.page })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('checkIn.staff.columns.patient')}</th>
                  <th scope="col">{t('checkIn.staff.columns.visit')}</th>
                  <th scope="col">{t('checkIn.staff.columns.changed')}</th>
                  <th scope="col">{t('checkIn.staff.columns.review')}</th>
                </tr>
              </thead>
              <tbody>
                {data.checkIns.map((c) => (
                  <Row key={c.appointmentId} c={c} lang={lang} />
                ))}
              </tbody>
            </table>
          </TableWrap>
          <Pager
            label={t('checkIn.staff.pages')}
            page={data.page}
            pageCount={null}
            hasNext={data.hasMore}
            onPage={(page) => setSearch((s) => ({ ...s, page }))}
          />
        </>
      )}
    </>
  );
}

function Row({ c, lang }: { c: CheckInSummary; lang: 'en' | 'es' }) {
  const { t } = useTranslation();
  const name = listName(c.patient.name);
  return (
    <tr>
      <th scope="row">
        <Link to={`/staff/check-ins/${c.appointmentId}`}>{name}</Link>
        <div className="cell-note">{calendarDate(lang, c.patient.birthDate)}</div>
      </th>
      <td>
        {whenText(lang, c.startsAt, c.timeZone)}
        <div className="cell-note">
          {c.visitTypeName[lang]}, {c.providerName}, {c.clinicName}
        </div>
      </td>
      <td>
        {c.changed.length === 0
          ? t('checkIn.staff.nothingChanged')
          : c.changed.map((s) => t(`checkIn.staff.sections.${s}`)).join(', ')}
      </td>
      <td>
        {c.reviewedAt ? (
          <span className="badge badge--active">
            {t('checkIn.staff.reviewedBy', { name: c.reviewedBy ?? '' })}
          </span>
        ) : (
          <span className="badge badge--invited">{t('checkIn.staff.notReviewed')}</span>
        )}
      </td>
    </tr>
  );
}
