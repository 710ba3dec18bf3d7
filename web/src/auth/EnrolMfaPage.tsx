import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate } from 'react-router';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { isPasskeyCancel, registerPasskey } from './passkeys.ts';
import { RecoveryCodes } from './RecoveryCodes.tsx';
import { SignOutLink } from './SignOutLink.tsx';
import { useRefreshSession, useSession } from './session.ts';
import { useFinishSignIn } from './signInFlow.ts';
import { TotpEnrolment } from './TotpEnrolment.tsx';

// Staff must have a second factor before they reach any record: the session
// stays half-finished until one is set up.
export function EnrolMfaPage() {
  const { t, i18n } = useTranslation();
  usePageTitle(t('enrol.title'));
  const session = useSession();
  const finish = useFinishSignIn();
  const refresh = useRefreshSession();
  const navigate = useNavigate();
  const [problem, setProblem] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);

  if (session.isPending) return <Loading />;
  if (!session.data?.signedIn) return <Navigate to="/sign-in" replace />;

  const addPasskey = async () => {
    setProblem(null);
    try {
      const added = await registerPasskey(t('passkeys.defaultName'));
      const state = await refresh();
      if (added.recoveryCodes) setCodes(added.recoveryCodes);
      else if (state.complete) await finish();
      // Not the first factor after all: the sign-in has to use one of them.
      else await navigate('/sign-in/verify', { state: { methods: state.methods } });
    } catch (error) {
      setProblem(
        isPasskeyCancel(error)
          ? t('passkeys.cancelled')
          : errorMessage(t, i18n.resolvedLanguage ?? 'en', error),
      );
    }
  };

  if (codes)
    return (
      <div className="narrow">
        <h1>{t('enrol.title')}</h1>
        <Notice kind="success">{t('passkeys.added')}</Notice>
        <RecoveryCodes codes={codes} />
        <button type="button" className="button" onClick={() => void finish()}>
          {t('recoveryCodes.saved')}
        </button>
      </div>
    );

  return (
    <div className="narrow">
      <h1>{t('enrol.title')}</h1>
      <p>{t('enrol.intro')}</p>
      <TotpEnrolment onDone={() => void finish()} />
      <div className="divider">
        <h2>{t('enrol.passkeyHeading')}</h2>
        <p>{t('enrol.passkeyIntro')}</p>
        {problem && <Notice kind="error">{problem}</Notice>}
        <button
          type="button"
          className="button button--secondary"
          onClick={() => void addPasskey()}
        >
          {t('passkeys.add')}
        </button>
      </div>
      <p>
        <SignOutLink />
      </p>
    </div>
  );
}
