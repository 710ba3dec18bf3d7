import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './refills.css';
import { CancelRequest } from './CancelRequest.tsx';
import { DoneNotice } from './DoneNotice.tsx';
import { worded } from './errors.ts';
import { History } from './History.tsx';
import { Progress } from './Progress.tsx';
import { answerQuestion, useMyRequest, useRefillsChanged } from './queries.ts';
import { RequestFacts } from './RequestFacts.tsx';
import { isUndecided, openQuestion } from './status.ts';
import { TextForm } from './TextForm.tsx';
import type { RefillRequest } from './types.ts';

// /refills/:id, also where the e-mails link to: where the request stands,
// the care team's question with a box for the answer, and cancelling it.
export function RequestPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const { id = '' } = useParams();
  const query = useMyRequest(id);
  const [done, setDone] = useState<'cancelled' | 'answered' | null>(null);
  const r = query.data;
  usePageTitle(r ? r.medicationName : t('refills.detail.title'));
  const back = (
    <p>
      <Link to="/refills">{t('refills.detail.back')}</Link>
    </p>
  );
  if (query.isPending) return <Loading />;
  if (query.isError || !r)
    return (
      <>
        <h1>{t('refills.detail.title')}</h1>
        <LoadFailed error={worded(t, lang, query.error)} retry={() => void query.refetch()} />
        {back}
      </>
    );
  return (
    <div className="refill">
      <h1>{r.medicationName}</h1>
      {done && (
        <DoneNotice
          key={done}
          text={t(done === 'cancelled' ? 'refills.detail.cancelled' : 'refills.answer.sent')}
        />
      )}
      <RequestFacts request={r} />
      <p role="status">{t(`refills.statusHelp.${r.status}`)}</p>
      <section aria-labelledby="refill-progress">
        <h2 id="refill-progress">{t('refills.detail.progress')}</h2>
        <Progress request={r} />
      </section>
      <Question request={r} onAnswered={() => setDone('answered')} />
      <section aria-labelledby="refill-history">
        <h2 id="refill-history">{t('refills.detail.history')}</h2>
        <History events={r.events} forStaff={false} />
      </section>
      {isUndecided(r.status) && (
        <CancelRequest id={r.id} onCancelled={() => setDone('cancelled')} />
      )}
      {back}
    </div>
  );
}

/** The care team's question still open, with the box for the answer. */
function Question({ request, onAnswered }: { request: RefillRequest; onAnswered: () => void }) {
  const { t } = useTranslation();
  const changed = useRefillsChanged();
  const question = openQuestion(request);
  if (!request.awaitingAnswer) return null;
  return (
    <section aria-labelledby="refill-question">
      <h2 id="refill-question">{t('refills.answer.title')}</h2>
      {question && <blockquote className="history__text">{question}</blockquote>}
      <TextForm
        name="refill-answer"
        label={t('refills.answer.label')}
        hint={t('refills.answer.hint')}
        button={t('refills.answer.send')}
        missing={t('refills.answer.missing')}
        done=""
        send={async (text) => {
          await answerQuestion(request.id, text);
          onAnswered();
          await changed();
        }}
      />
    </section>
  );
}
