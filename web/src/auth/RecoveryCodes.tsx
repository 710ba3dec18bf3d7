import { useState } from 'react';
import { useTranslation } from 'react-i18next';

// Recovery codes are shown once: the user copies, prints or writes them down.
// Only the list is printed (print CSS shows `.printable` alone).
export function RecoveryCodes({ codes }: { codes: string[] }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setStatus(t('recoveryCodes.copied'));
    } catch {
      setStatus(t('recoveryCodes.copyFailed'));
    }
  };
  return (
    <section className="recovery-codes" aria-labelledby="recovery-codes-title">
      <h2 id="recovery-codes-title">{t('recoveryCodes.title')}</h2>
      <p>{t('recoveryCodes.intro', { count: codes.length })}</p>
      <div className="printable">
        <p className="print-only">{t('recoveryCodes.printHeading')}</p>
        <ol className="recovery-codes__list">
          {codes.map((code) => (
            <li key={code}>
              <code>{code}</code>
            </li>
          ))}
        </ol>
      </div>
      <div className="button-row">
        <button type="button" className="button button--secondary" onClick={() => void copy()}>
          {t('recoveryCodes.copy')}
        </button>
        <button type="button" className="button button--secondary" onClick={() => window.print()}>
          {t('recoveryCodes.print')}
        </button>
      </div>
      <p role="status" className="status">
        {status}
      </p>
    </section>
  );
}
