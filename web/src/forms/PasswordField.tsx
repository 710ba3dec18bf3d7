import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TextField } from './TextField.tsx';

interface Props {
  id: string;
  label: ReactNode;
  value: string;
  onValue: (value: string) => void;
  autoComplete: 'current-password' | 'new-password';
  hint?: ReactNode;
  error?: string;
}

// Pasting from a password manager always works; "Show password" helps people
// who type it, without any cognitive test (WCAG 3.3.8).
export function PasswordField({ id, ...props }: Props) {
  const { t } = useTranslation();
  const [shown, setShown] = useState(false);
  return (
    <div className="password-field">
      <TextField id={id} type={shown ? 'text' : 'password'} spellCheck={false} {...props} />
      <div className="checkbox">
        <input
          id={`${id}-show`}
          type="checkbox"
          checked={shown}
          onChange={(event) => setShown(event.target.checked)}
        />
        <label htmlFor={`${id}-show`}>{t('forms.showPassword')}</label>
      </div>
    </div>
  );
}
