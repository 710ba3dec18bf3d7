import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import type { CheckInRefusal } from '../../../src/modules/scheduling/check-in-model.ts';
import type { Questionnaire } from '../../../src/modules/scheduling/questionnaire.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { Notice } from '../forms/Notice.tsx';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import './appointments.css';
import './checkIn.css';
import { ArriveButton } from './ArriveButton.tsx';
import { CheckInReview } from './CheckInReview.tsx';
import { DetailsStep, InsuranceStep, ListStep, type StepProps } from './CheckInSteps.tsx';
import {
  bodyOf,
  type CheckIn,
  type CheckInForm,
  type FormProblem,
  fieldId,
  type Step,
  startingForm,
  stepProblems,
  stepsFor,
} from './checkIn.ts';
import { checkInKey, sendCheckIn, useCheckIn } from './checkInQueries.ts';
import { asProblems, serverProblems, summaryProblems } from './checkInWords.ts';
import { useFocusOnMount } from './focus.ts';
import { QuestionnaireFields } from './QuestionnaireFields.tsx';
import { uiLanguage } from './search.ts';
import { whenText } from './when.ts';

// /appointments/:id/check-in: from three days before the visit the patient
// confirms their details, insurance, medications and allergies and answers
// the visit's questions, one step at a time; on the day, "I'm here".
export function CheckInPage() {
  const { t, i18n } = useTranslation();
  const lang = uiLanguage(i18n.resolvedLanguage);
  const { id = '' } = useParams();
  const query = useCheckIn(id);
  usePageTitle(t('checkIn.title'));
  const view = query.data;
  const back = (
    <p>
      <Link to={`/appointments/${encodeURIComponent(id)}`}>{t('checkIn.backToAppointment')}</Link>
    </p>
  );
  if (query.isPending) return <Loading />;
  if (query.isError || !view)
    return (
      <>
        <h1>{t('checkIn.title')}</h1>
        <LoadFailed error={query.error} retry={() => void query.refetch()} />
        {back}
      </>
    );
  const a = view.appointment;
  return (
    <div className="check-in">
      <h1>{t('checkIn.title')}</h1>
      <p className="lead">
        {a.visitTypeName[lang]}, {whenText(lang, a.startsAt, a.timeZone)}
      </p>
      <p>{t('checkIn.where', { clinic: a.clinicName, provider: a.providerName })}</p>
      {(view.arrival.open || a.status === 'arrived') && <ArriveButton appointment={a} />}
      {view.checkIn.open ? (
        <CheckInFlow view={view} lang={lang} />
      ) : (
        <Closed view={view} lang={lang} />
      )}
      {back}
    </div>
  );
}

function Closed({ view, lang }: { view: CheckIn; lang: string }) {
  const { t } = useTranslation();
  const a = view.appointment;
  const refusal = view.checkIn.refusal;
  return (
    <>
      <Notice>
        <p>
          {refusal === 'not_yet'
            ? t('checkIn.closed.not_yet', {
                when: whenText(lang, view.checkIn.opensAt, a.timeZone),
              })
            : refusal && t(`checkIn.closed.${refusal as CheckInRefusal}`)}
        </p>
      </Notice>
      {view.submission && (
        <section aria-labelledby="check-in-sent">
          <h2 id="check-in-sent">
            {t('checkIn.sent', { when: whenText(lang, view.submission.submittedAt, a.timeZone) })}
          </h2>
          <CheckInReview view={view} form={startingForm(view)} lang={lang} />
        </section>
      )}
    </>
  );
}

function CheckInFlow({ view, lang }: { view: CheckIn; lang: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const q = view.questionnaire as Questionnaire | null;
  const steps = stepsFor(q);
  const [form, setForm] = useState<CheckInForm>(() => startingForm(view));
  const [at, setAt] = useState(0);
  const [moved, setMoved] = useState(false);
  const [problems, setProblems] = useState<FormProblem[]>([]);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const step = steps[at] as Step;
  const a = view.appointment;

  const go = (next: number) => {
    setProblems([]);
    setAt(next);
    setMoved(true);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = stepProblems(step, form, q);
    setProblems(found);
    if (found.length > 0 || busy) return;
    if (step !== 'review') return go(at + 1);
    setBusy(true);
    try {
      const saved = await sendCheckIn(a.id, bodyOf(form, view.current, q));
      setSent(true);
      client.setQueryData(checkInKey(a.id), saved);
      await client.invalidateQueries({ queryKey: ['appointments'] });
    } catch (error) {
      const placed = serverProblems(t, lang, error);
      if (placed.step) setAt(steps.indexOf(placed.step));
      setProblems(placed.problems);
    } finally {
      setBusy(false);
    }
  };

  if (sent) return <Done view={view} />;
  const words = asProblems(t, problems, form);
  const errorFor = (field: string) => words.find((p) => p.field === field)?.message;
  const props: StepProps = {
    view,
    form,
    lang,
    change: (patch) => setForm((f) => ({ ...f, ...patch })),
    errorFor,
  };
  return (
    <>
      {view.submission && (
        <Notice>
          <p>
            {t('checkIn.sentBefore', {
              when: whenText(lang, view.submission.submittedAt, a.timeZone),
            })}
          </p>
        </Notice>
      )}
      <p>{t('checkIn.intro')}</p>
      <ol className="steps" aria-label={t('checkIn.stepsLabel')}>
        {steps.map((s, i) => (
          <li key={s} aria-current={i === at ? 'step' : undefined}>
            {t(`checkIn.steps.${s}`)}
          </li>
        ))}
      </ol>
      <StepHeading
        key={step}
        focus={moved}
        text={t('checkIn.stepOf', {
          n: at + 1,
          count: steps.length,
          name: t(`checkIn.steps.${step}`),
        })}
      />
      <ErrorSummary problems={summaryProblems(t, words, q, lang)} idFor={fieldId} />
      <form className="form" noValidate onSubmit={submit}>
        {step === 'details' && <DetailsStep {...props} />}
        {step === 'insurance' && <InsuranceStep {...props} />}
        {(step === 'medications' || step === 'allergies') && <ListStep kind={step} {...props} />}
        {step === 'questionnaire' && q && (
          <>
            <p>{t('checkIn.questionnaire.intro')}</p>
            <QuestionnaireFields
              items={q.item ?? []}
              values={form.answers}
              lang={lang}
              errorFor={errorFor}
              onValue={(linkId, value) =>
                setForm((f) => ({ ...f, answers: { ...f.answers, [linkId]: value } }))
              }
            />
          </>
        )}
        {step === 'review' && <CheckInReview view={view} form={form} lang={lang} />}
        <div className="button-row">
          <button type="submit" className="button" aria-disabled={busy}>
            {step === 'review' ? t('checkIn.submit') : t('checkIn.next')}
          </button>
          {at > 0 && (
            <button type="button" className="button button--secondary" onClick={() => go(at - 1)}>
              {t('checkIn.back')}
            </button>
          )}
        </div>
      </form>
    </>
  );
}

/** Each step's heading takes focus when the step changes, so the new step is read from its start. */
function StepHeading({ text, focus }: { text: string; focus: boolean }) {
  const ref = useFocusOnMount<HTMLHeadingElement>(focus);
  return (
    <h2 ref={ref} tabIndex={-1}>
      {text}
    </h2>
  );
}

function Done({ view }: { view: CheckIn }) {
  const { t } = useTranslation();
  const ref = useFocusOnMount<HTMLDivElement>(true);
  return (
    <div ref={ref} tabIndex={-1} className="notice notice--success" role="status">
      <p>{t('checkIn.done')}</p>
      <p>{t('checkIn.arrival.hint')}</p>
      {view.appointment.status !== 'arrived' && <p>{t('checkIn.doneChange')}</p>}
    </div>
  );
}
