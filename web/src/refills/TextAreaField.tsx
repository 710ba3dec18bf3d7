import type { ReactNode } from 'react';

/** A labelled textarea with its hint and error tied to it, as TextField does for inputs. */
export function TextAreaField(p: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  value: string;
  maxLength: number;
  onValue: (value: string) => void;
}) {
  const hintId = p.hint ? `${p.id}-hint` : undefined;
  const errorId = p.error ? `${p.id}-error` : undefined;
  return (
    <div className={p.error ? 'field field--error' : 'field'}>
      <label htmlFor={p.id}>{p.label}</label>
      {p.hint && (
        <div id={hintId} className="field__hint">
          {p.hint}
        </div>
      )}
      {p.error && (
        <p id={errorId} className="field__error">
          {p.error}
        </p>
      )}
      <textarea
        id={p.id}
        className="textarea"
        value={p.value}
        maxLength={p.maxLength}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}
        onChange={(event) => p.onValue(event.target.value)}
      />
    </div>
  );
}
