import { useTranslation } from 'react-i18next';
import { refillTone } from './status.ts';
import type { RefillStatus } from './types.ts';

/** A request's status in words (colour only repeats what the words say). */
export function StatusLabel({ status }: { status: RefillStatus }) {
  const { t } = useTranslation();
  return (
    <span className={`badge badge--${refillTone(status)}`}>{t(`refills.status.${status}`)}</span>
  );
}
