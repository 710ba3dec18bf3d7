import { useTranslation } from 'react-i18next';
import type { DraftState } from './words.ts';

/** "Draft saved", said politely; the region is always there so changes are announced. */
export function DraftStatus({ state }: { state: DraftState }) {
  const { t } = useTranslation();
  return (
    <p role="status" className="draft-status">
      {state === 'saving' && t('messages.draft.saving')}
      {state === 'saved' && t('messages.draft.saved')}
      {state === 'failed' && t('messages.draft.failed')}
    </p>
  );
}
