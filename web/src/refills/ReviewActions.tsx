import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Notice } from '../forms/Notice.tsx';
import { ReasonDialog } from '../frontdesk/ReasonDialog.tsx';
import { DoneNotice } from './DoneNotice.tsx';
import { refillErrorMessage, worded } from './errors.ts';
import { type StaffAction, staffAct, useRefillsChanged } from './queries.ts';
import { isUndecided } from './status.ts';
import { TextForm } from './TextForm.tsx';
import type { RefillReview } from './types.ts';

// What this reviewer may do now, as the server says (mayApprove, mayDeny):
// notes always; while undecided also a question, routing and the decision.
export function ReviewActions({ review }: { review: RefillReview }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const changed = useRefillsChanged();
  const r = review.request;
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [denying, setDenying] = useState(false);
  const open = isUndecided(r.status);

  const act = async (action: StaffAction, said: string) => {
    setProblem(null);
    setDone(null);
    try {
      await staffAct(r.id, action);
      setDone(said);
    } catch (error) {
      setProblem(refillErrorMessage(t, lang, error));
    } finally {
      await changed();
    }
  };
  const deny = async (reason: string) => {
    // The dialog shows an error's message as is: word it for the reader first.
    await staffAct(r.id, { kind: 'deny', reason }).catch((error: unknown) => {
      throw worded(t, lang, error);
    });
    setDenying(false);
    setDone(t('refills.staff.actions.denied'));
    await changed();
  };

  return (
    <section aria-labelledby="refill-actions">
      <h2 id="refill-actions">{t('refills.staff.actions.title')}</h2>
      {done && <DoneNotice key={done} text={done} />}
      {problem && <Notice kind="error">{problem}</Notice>}
      {!open && <p>{t('refills.staff.actions.decided')}</p>}
      {open && (
        <>
          <h3>{t('refills.staff.actions.decide')}</h3>
          {!review.mayApprove && <p>{t('refills.staff.actions.mayNotDecide')}</p>}
          {(review.mayApprove || review.mayDeny) && (
            <div className="button-row">
              {review.mayApprove && (
                <button
                  type="button"
                  className="button"
                  onClick={() => void act({ kind: 'approve' }, t('refills.staff.actions.approved'))}
                >
                  {t('refills.staff.actions.approve')}
                </button>
              )}
              {review.mayDeny && (
                <button
                  type="button"
                  className="button button--danger"
                  onClick={() => {
                    setProblem(null);
                    setDenying(true);
                  }}
                >
                  {t('refills.staff.actions.deny')}
                </button>
              )}
            </div>
          )}
          <h3>{t('refills.staff.actions.route')}</h3>
          <div className="button-row">
            {(['nurse', 'provider'] as const).map((to) => (
              <button
                key={to}
                type="button"
                className="button button--secondary"
                onClick={() => void act({ kind: 'route', to }, t('refills.staff.actions.routed'))}
              >
                {t(
                  to === 'nurse'
                    ? 'refills.staff.actions.routeNurse'
                    : 'refills.staff.actions.routeProvider',
                )}
              </button>
            ))}
          </div>
          <h3>{t('refills.staff.actions.question')}</h3>
          <TextForm
            name="refill-question"
            label={t('refills.staff.actions.questionLabel')}
            button={t('refills.staff.actions.questionSend')}
            missing={t('refills.staff.actions.textMissing')}
            done={t('refills.staff.actions.questionSent')}
            send={async (text) => {
              await staffAct(r.id, { kind: 'question', text });
              await changed();
            }}
          />
        </>
      )}
      <h3>{t('refills.staff.actions.note')}</h3>
      <TextForm
        name="refill-note"
        label={t('refills.staff.actions.noteLabel')}
        button={t('refills.staff.actions.noteSave')}
        missing={t('refills.staff.actions.textMissing')}
        done={t('refills.staff.actions.noteAdded')}
        send={async (text) => {
          await staffAct(r.id, { kind: 'notes', text });
          await changed();
        }}
      />
      <ReasonDialog
        open={denying}
        title={t('refills.staff.actions.denyTitle')}
        intro={t('refills.staff.actions.denyIntro')}
        confirm={t('refills.staff.actions.deny')}
        onCancel={() => setDenying(false)}
        onConfirm={deny}
      />
    </section>
  );
}
