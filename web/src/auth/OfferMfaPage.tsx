import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate } from 'react-router';
import { api } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { useSession } from './session.ts';
import { useFinishSignIn } from './signInFlow.ts';
import { TotpEnrolment } from './TotpEnrolment.tsx';

// Patients are offered a second factor at each sign-in until they set one up
// or say "don't ask again". They are signed in already.
export function OfferMfaPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('offer.title'));
  const session = useSession();
  const finish = useFinishSignIn();
  const [problem, setProblem] = useState<string | null>(null);

  if (session.isPending) return <Loading />;
  if (!session.data?.signedIn) return <Navigate to="/sign-in" replace />;

  const decline = async () => {
    try {
      await api('/api/session/mfa/decline', { method: 'POST' });
      await finish();
    } catch (error) {
      setProblem(errorMessage(t, i18n.resolvedLanguage ?? 'en', error));
    }
  };

  return (
    <div className="narrow">
      <h1>{t('offer.title')}</h1>
      <p>{t('offer.intro')}</p>
      <p>{t('offer.how')}</p>
      {problem && <Notice kind="error">{problem}</Notice>}
      <TotpEnrolment onDone={() => void finish()} startLabel={t('offer.enrol')} />
      <div className="divider">
        <div className="button-row">
          <button type="button" className="button button--secondary" onClick={() => void finish()}>
            {t('offer.notNow')}
          </button>
          <button type="button" className="button button--secondary" onClick={() => void decline()}>
            {t('offer.never')}
          </button>
        </div>
      </div>
    </div>
  );
}
