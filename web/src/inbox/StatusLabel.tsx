import { useTranslation } from 'react-i18next';
import type { ThreadStatus } from './types.ts';

const TONE: Record<ThreadStatus, string> = {
  new: 'invited',
  in_progress: 'active',
  waiting_for_patient: 'none',
  closed: 'none',
};

/** A thread's status in words (colour only repeats what the words say). */
export function StatusLabel({ status }: { status: ThreadStatus }) {
  const { t } = useTranslation();
  return <span className={`badge badge--${TONE[status]}`}>{t(`inbox.status.${status}`)}</span>;
}
