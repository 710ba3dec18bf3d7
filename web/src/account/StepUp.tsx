import {
  createContext,
  type FormEvent,
  type ReactNode,
  useCallback,
  useContext,
  useState,
} from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../api.ts';
import type { Guarded } from '../auth/TotpEnrolment.tsx';
import { ErrorSummary } from '../forms/ErrorSummary.tsx';
import { PasswordField } from '../forms/PasswordField.tsx';
import { missingFields } from '../forms/problems.ts';
import { useProblems } from '../forms/useProblems.ts';
import { Dialog } from '../shell/Dialog.tsx';

/** The user closed the "confirm it's you" dialog: the action did not happen. */
export class StepUpCancelled extends Error {
  override name = 'StepUpCancelled';
}

const StepUpContext = createContext<Guarded>((request) => request());

/**
 * Sensitive changes (password, e-mail, second factors) need a sign-in within
 * the last 5 minutes. `useStepUp()` runs a request; when the server answers
 * 401 reauthentication_required it asks for the password, confirms it with
 * POST /api/session/reauthenticate and runs the request again.
 */
export function useStepUp(): Guarded {
  return useContext(StepUpContext);
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

export function StepUpProvider({ children }: { children: ReactNode }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const guarded = useCallback<Guarded>(async (request) => {
    try {
      return await request();
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'reauthentication_required')) throw error;
      await new Promise<void>((resolve, reject) => setPending({ resolve, reject }));
      return request();
    }
  }, []);
  return (
    <StepUpContext value={guarded}>
      {children}
      <StepUpDialog
        open={pending !== null}
        onConfirmed={() => {
          pending?.resolve();
          setPending(null);
        }}
        onCancel={() => {
          pending?.reject(new StepUpCancelled());
          setPending(null);
        }}
      />
    </StepUpContext>
  );
}

const idFor = (field: string) => `step-up-${field}`;

function StepUpDialog(props: { open: boolean; onConfirmed: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog
      open={props.open}
      title={t('stepUp.title')}
      describedBy="step-up-intro"
      onCancel={props.onCancel}
    >
      <StepUpForm {...props} />
    </Dialog>
  );
}

function StepUpForm({ onConfirmed, onCancel }: { onConfirmed: () => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const form = useProblems(['password']);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = missingFields({ password }, { password: t('stepUp.passwordMissing') });
    form.setProblems(missing);
    if (missing.length > 0 || busy) return;
    setBusy(true);
    try {
      await api('/api/session/reauthenticate', { method: 'POST', json: { password } });
      onConfirmed();
    } catch (error) {
      form.fromError(error);
      setPassword('');
      setBusy(false);
    }
  };
  return (
    <>
      <p id="step-up-intro">{t('stepUp.intro')}</p>
      <ErrorSummary problems={form.problems} idFor={idFor} />
      <form className="form" noValidate onSubmit={submit}>
        <PasswordField
          id={idFor('password')}
          label={t('stepUp.password')}
          autoComplete="current-password"
          value={password}
          onValue={setPassword}
          error={form.errorFor('password')}
        />
        <div className="button-row">
          <button type="submit" className="button" aria-disabled={busy}>
            {t('stepUp.confirm')}
          </button>
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </>
  );
}
