import { useTranslation } from 'react-i18next';
import { hasAnyRole, PATIENT_ROLES } from '../auth/roles.ts';
import { useSession } from '../auth/session.ts';
import { LoadFailed } from '../shell/LoadFailed.tsx';
import { Loading } from '../shell/Loading.tsx';
import { usePageTitle } from '../shell/usePageTitle.ts';
import { AccessLogSection } from './AccessLogSection.tsx';
import { useAccount } from './account.ts';
import { EmailSection } from './EmailSection.tsx';
import { MessageEmailSection } from './MessageEmailSection.tsx';
import { MfaSection } from './MfaSection.tsx';
import { PasskeysSection } from './PasskeysSection.tsx';
import { PasswordSection } from './PasswordSection.tsx';
import { ProfileSection } from './ProfileSection.tsx';
import { SessionsSection } from './SessionsSection.tsx';

export function AccountPage() {
  const { t } = useTranslation();
  usePageTitle(t('account.title'));
  const session = useSession();
  const account = useAccount();
  // The access log is about a patient record: one's own, or a dependent's.
  const patientRecord = Boolean(session.data?.actingForPatientId ?? session.data?.user?.patientId);
  // Message mails go to patients and caregivers; staff have the inbox.
  const messageMails = hasAnyRole(session.data?.roles ?? [], PATIENT_ROLES);
  return (
    <>
      <h1>{t('account.title')}</h1>
      {account.isPending && <Loading />}
      {account.isError && <LoadFailed error={account.error} retry={() => void account.refetch()} />}
      {account.data && (
        <div className="sections">
          {patientRecord && <AccessLogSection />}
          <ProfileSection account={account.data} />
          <PasswordSection />
          <EmailSection account={account.data} />
          {messageMails && <MessageEmailSection />}
          <MfaSection account={account.data} />
          <PasskeysSection />
          <SessionsSection />
        </div>
      )}
    </>
  );
}
