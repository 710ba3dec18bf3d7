import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../shell/Dialog.tsx';
import { refillErrorMessage } from './errors.ts';
import { cancelRequest, useRefillsChanged } from './queries.ts';

/** "Cancel this request" while undecided, confirmed in a dialog (Escape or "Keep it" closes). */
export function CancelRequest({ id, onCancelled }: { id: string; onCancelled: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const changed = useRefillsChanged();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    try {
      await cancelRequest(id);
      setOpen(false);
      onCancelled();
    } catch (error) {
      setProblem(refillErrorMessage(t, lang, error));
    } finally {
      setBusy(false);
      await changed();
    }
  };
  return (
    <>
      <div className="button-row">
        <button
          type="button"
          className="button button--danger"
          onClick={() => {
            setProblem(null);
            setOpen(true);
          }}
        >
          {t('refills.detail.cancel')}
        </button>
      </div>
      <Dialog
        open={open}
        role="alertdialog"
        title={t('refills.detail.cancelTitle')}
        describedBy="refill-cancel-intro"
        onCancel={() => setOpen(false)}
      >
        <p id="refill-cancel-intro">{t('refills.detail.cancelIntro')}</p>
        {problem && (
          <div className="notice notice--error" role="alert">
            <p>{problem}</p>
          </div>
        )}
        <div className="button-row">
          {/* The safe choice first: the dialog focuses it on opening. */}
          <button type="button" className="button button--secondary" onClick={() => setOpen(false)}>
            {t('refills.detail.keep')}
          </button>
          <button
            type="button"
            className="button button--danger"
            aria-disabled={busy}
            onClick={() => void confirm()}
          >
            {t('refills.detail.cancelConfirm')}
          </button>
        </div>
      </Dialog>
    </>
  );
}
