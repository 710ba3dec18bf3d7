import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { dateTime } from '../i18n/format.ts';
import { ActivationLetter } from './ActivationLetter.tsx';
import type { IssuedCode, PatientRecord } from './patients.ts';

// Issue a one-time activation code. It is shown here once (the server keeps
// only its hash): print the letter now, or have it e-mailed.
export function ActivationSection({ record }: { record: PatientRecord }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage ?? 'en';
  const client = useQueryClient();
  const [sendEmail, setSendEmail] = useState(false);
  const [issued, setIssued] = useState<IssuedCode | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const codeHeading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (issued) codeHeading.current?.focus();
  }, [issued]);

  if (record.account) return null;

  const issue = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const answer = await api<IssuedCode>(
        `/api/staff/patients/${record.patient.id}/activation-codes`,
        { method: 'POST', json: { sendEmail } },
      );
      setIssued(answer);
      await client.invalidateQueries({ queryKey: ['staff-patient', record.patient.id] });
    } catch (error) {
      setProblem(errorMessage(t, lang, error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card section" aria-labelledby="activation-title">
      <h2 id="activation-title">{t('activation.title')}</h2>
      {record.activationCode && !issued && (
        <p>{t('activation.open', { date: dateTime(lang, record.activationCode.expiresAt) })}</p>
      )}
      {problem && <Notice kind="error">{problem}</Notice>}
      {issued ? (
        <>
          <h3 ref={codeHeading} tabIndex={-1}>
            {t('activation.issuedHeading')}
          </h3>
          <p className="code-box">
            <span className="visually-hidden">{t('activation.codeLabel')} </span>
            <code>{issued.code}</code>
          </p>
          <p>{t('activation.issuedHint', { date: dateTime(lang, issued.expiresAt) })}</p>
          {sendEmail && <Notice kind="success">{t('activation.emailed')}</Notice>}
          <div className="button-row">
            <button type="button" className="button" onClick={() => window.print()}>
              {t('activation.print')}
            </button>
          </div>
          <h3>{t('activation.letterPreview')}</h3>
          <ActivationLetter issued={issued} />
        </>
      ) : (
        <>
          <p>{t('activation.intro')}</p>
          {record.patient.email && (
            <div className="checkbox">
              <input
                id="activation-send-email"
                type="checkbox"
                checked={sendEmail}
                onChange={(e) => setSendEmail(e.target.checked)}
              />
              <label htmlFor="activation-send-email">{t('activation.sendEmail')}</label>
            </div>
          )}
          <button
            type="button"
            className="button"
            aria-disabled={busy}
            onClick={() => !busy && void issue()}
          >
            {record.activationCode ? t('activation.reissue') : t('activation.issue')}
          </button>
        </>
      )}
    </section>
  );
}
