import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './refills.css';
import { ContextSection } from './ContextSection.tsx';
import { worded } from './errors.ts';
import { History } from './History.tsx';
import { useReview } from './queries.ts';
import { RequestFacts } from './RequestFacts.tsx';
import { ReviewActions } from './ReviewActions.tsx';

// /staff/refills/:id: the request and its whole timeline (staff notes too),
// the context to decide on, and the actions this reviewer may take.
export function ReviewPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { id = '' } = useParams();
  const query = useReview(id);
  const review = query.data;
  const title = review
    ? t('refills.staff.review.title', { medication: review.request.medicationName })
    : t('refills.staff.title');
  usePageTitle(title);
  const back = (
    <p>
      <Link to={`/staff/refills?clinic=${review?.request.clinicId ?? ''}`}>
        {t('refills.staff.review.back')}
      </Link>
    </p>
  );
  if (query.isPending) return <Loading />;
  if (query.isError || !review)
    return (
      <>
        <h1>{title}</h1>
        <LoadFailed error={worded(t, lang, query.error)} retry={() => void query.refetch()} />
        {back}
      </>
    );
  const r = review.request;
  return (
    <div className="refill">
      <h1>{title}</h1>
      <RequestFacts
        request={r}
        patient={<Link to={`/staff/patients/${r.patientId}`}>{review.patientName}</Link>}
      />
      <ReviewActions review={review} />
      <section aria-labelledby="refill-timeline">
        <h2 id="refill-timeline">{t('refills.staff.review.timeline')}</h2>
        <History events={r.events} forStaff />
      </section>
      <ContextSection context={review.context} />
      {back}
    </div>
  );
}
