import type { ReactNode, SelectHTMLAttributes } from 'react';

interface Props extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id' | 'onChange'> {
  id: string;
  label: ReactNode;
  error?: string;
  options: { value: string; label: string; lang?: string }[];
  onValue: (value: string) => void;
}

export function SelectField({ id, label, error, options, onValue, ...select }: Props) {
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className={error ? 'field field--error' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {error && (
        <p id={errorId} className="field__error">
          {error}
        </p>
      )}
      <select
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={errorId}
        onChange={(event) => onValue(event.target.value)}
        {...select}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} lang={o.lang}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
