import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { Facts } from '../appointments/Facts.tsx';
import { whenText } from '../appointments/when.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { calendarDate } from '../i18n/format.ts';
import { getJson } from '../query.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import '../appointments/checkIn.css';
import { Answers, Contact, Insurance, List } from './CheckInCompare.tsx';
import { type CheckInDetail, detailPath, markReviewed } from './checkIns.ts';
import { listName } from './patients.ts';

type Lang = 'en' | 'es';
const detailKey = (id: string) => ['staff-check-in', id];

// One check-in: what the patient changed or added, beside what the portal
// knows now. Staff enter the changes in the EHR, then mark it reviewed.
export function CheckInDetailPage() {
  const { t, i18n } = useTranslation();
  const lang: Lang = i18n.resolvedLanguage === 'es' ? 'es' : 'en';
  const { appointmentId = '' } = useParams();
  const query = useQuery({
    queryKey: detailKey(appointmentId),
    queryFn: getJson<CheckInDetail>(detailPath(appointmentId)),
  });
  const d = query.data;
  const name = d && listName(d.summary.patient.name);
  usePageTitle(name ? t('checkIn.staff.detailTitle', { name }) : t('checkIn.staff.title'));
  const back = (
    <p>
      <Link to="/staff/check-ins">{t('checkIn.staff.back')}</Link>
    </p>
  );
  if (query.isPending) return <Loading />;
  if (query.isError || !d)
    return (
      <>
        <h1>{t('checkIn.staff.title')}</h1>
        <LoadFailed error={query.error} retry={() => void query.refetch()} />
        {back}
      </>
    );
  const s = d.summary;
  return (
    <div className="check-in">
      <h1>{t('checkIn.staff.detailTitle', { name })}</h1>
      <Facts
        rows={[
          [t('checkIn.details.birthDate'), calendarDate(lang, s.patient.birthDate)],
          [
            t('checkIn.staff.visit'),
            `${s.visitTypeName[lang]}, ${whenText(lang, s.startsAt, s.timeZone)}`,
          ],
          [t('checkIn.staff.where'), `${s.providerName}, ${s.clinicName}`],
          [t('checkIn.staff.submitted'), whenText(lang, s.submittedAt, s.timeZone)],
        ]}
      />
      <Review d={d} lang={lang} />
      <div className="sections">
        <Contact d={d} />
        <Insurance d={d} />
        <List d={d} kind="medications" />
        <List d={d} kind="allergies" />
        <Answers d={d} lang={lang} />
      </div>
      {back}
    </div>
  );
}

function Review({ d, lang }: { d: CheckInDetail; lang: Lang }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const s = d.summary;
  const mark = async () => {
    if (busy) return;
    setBusy(true);
    setFailed(null);
    try {
      client.setQueryData(detailKey(s.appointmentId), await markReviewed(s.appointmentId));
      setDone(true);
      await client.invalidateQueries({ queryKey: ['staff-check-ins'] });
    } catch (error) {
      setFailed(errorMessage(t, lang, error));
    } finally {
      setBusy(false);
    }
  };
  if (s.reviewedAt)
    return (
      <Notice kind={done ? 'success' : 'info'}>
        <p>
          {t('checkIn.staff.reviewedAt', {
            name: s.reviewedBy ?? '',
            when: whenText(lang, s.reviewedAt, s.timeZone),
          })}
        </p>
      </Notice>
    );
  return (
    <div className="notice notice--info">
      <p>{t('checkIn.staff.markHint')}</p>
      {failed && (
        <Notice kind="error">
          <p>{failed}</p>
        </Notice>
      )}
      <button type="button" className="button" aria-disabled={busy} onClick={() => void mark()}>
        {t('checkIn.staff.markReviewed')}
      </button>
    </div>
  );
}
