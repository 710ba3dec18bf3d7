import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { errorMessage } from '../forms/messages.ts';
import { Notice } from '../forms/Notice.tsx';
import { missingFields } from '../forms/problems.ts';
import { TextField } from '../forms/TextField.tsx';
import { useProblems } from '../forms/useProblems.ts';
import { RecoveryCodes } from './RecoveryCodes.tsx';
import { digitsOnly, groupSecret, svgDataUri, type TotpSetup } from './totp.ts';

/** Runs a request, asking for the password first if the server wants a fresh sign-in. */
export type Guarded = <T>(request: () => Promise<T>) => Promise<T>;
const direct: Guarded = (request) => request();

interface Props {
  /** Called after the recovery codes were shown and the user continues. */
  onDone: () => void;
  guarded?: Guarded;
  startLabel?: string;
}

const idFor = (field: string) => `totp-${field}`;

// Setting up an authenticator app: scan (or type) the secret, prove it works
// with one code, then keep the recovery codes.
export function TotpEnrolment({ onDone, guarded = direct, startLabel }: Props) {
  const { t, i18n } = useTranslation();
  const form = useProblems(['code']);
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [startProblem, setStartProblem] = useState<string | null>(null);

  const start = async () => {
    setBusy(true);
    setStartProblem(null);
    try {
      setSetup(
        await guarded(() => api<TotpSetup>('/api/account/mfa/totp', { method: 'POST', json: {} })),
      );
    } catch (error) {
      setStartProblem(errorMessage(t, i18n.resolvedLanguage ?? 'en', error));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    const missing = missingFields({ code }, { code: t('mfa.codeMissing') });
    form.setProblems(missing);
    if (missing.length > 0 || busy) return;
    setBusy(true);
    try {
      const answer = await api<{ recoveryCodes: string[] }>('/api/account/mfa/totp/confirm', {
        method: 'POST',
        json: { code: digitsOnly(code) },
      });
      setCodes(answer.recoveryCodes);
    } catch (error) {
      form.fromError(error);
      setCode('');
    } finally {
      setBusy(false);
    }
  };

  if (codes)
    return (
      <>
        <Notice kind="success">{t('totp.enabled')}</Notice>
        <RecoveryCodes codes={codes} />
        <button type="button" className="button" onClick={onDone}>
          {t('recoveryCodes.saved')}
        </button>
      </>
    );

  if (!setup)
    return (
      <>
        {startProblem && <Notice kind="error">{startProblem}</Notice>}
        <button
          type="button"
          className="button"
          aria-disabled={busy}
          onClick={() => !busy && void start()}
        >
          {startLabel ?? t('totp.start')}
        </button>
      </>
    );

  return (
    <div className="totp-setup">
      <h2>{t('totp.scanHeading')}</h2>
      <p>{t('totp.scanIntro')}</p>
      <img className="totp-setup__qr" src={svgDataUri(setup.qrSvg)} alt={t('totp.qrAlt')} />
      <p>{t('totp.manualIntro')}</p>
      <p>
        <code className="totp-setup__secret">{groupSecret(setup.secret)}</code>
      </p>
      <h2>{t('totp.confirmHeading')}</h2>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={confirm}>
        <TextField
          id={idFor('code')}
          label={t('mfa.code')}
          hint={t('mfa.codeHint')}
          className="input--code"
          inputMode="numeric"
          autoComplete="one-time-code"
          spellCheck={false}
          value={code}
          onValue={setCode}
          error={form.errorFor('code')}
        />
        <button type="submit" className="button" aria-disabled={busy}>
          {t('totp.confirm')}
        </button>
      </form>
    </div>
  );
}
