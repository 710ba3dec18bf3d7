import { useTranslation } from 'react-i18next';
import type { AccountState } from './patients.ts';

export function AccountStateLabel({ state }: { state: AccountState }) {
  const { t } = useTranslation();
  return <span className={`badge badge--${state}`}>{t(`accountStates.${state}`)}</span>;
}
