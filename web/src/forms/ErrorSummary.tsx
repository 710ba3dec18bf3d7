import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Problem } from './problems.ts';

interface Props {
  problems: Problem[];
  /** The id of the input for a field, so the summary can link to it. */
  idFor: (field: string) => string;
}

// Shown above a form after a failed submit. It takes focus, so a screen reader
// reads the problems at once; each links to (and focuses) its field.
export function ErrorSummary({ problems, idFor }: Props) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (problems.length > 0) box.current?.focus();
  }, [problems]);
  if (problems.length === 0) return null;
  return (
    <div ref={box} className="error-summary" tabIndex={-1}>
      <h2 className="error-summary__title">{t('forms.summaryTitle')}</h2>
      <ul>
        {problems.map((p) =>
          p.field ? (
            <li key={p.field}>
              <a
                href={`#${idFor(p.field)}`}
                onClick={(event) => {
                  event.preventDefault();
                  document.getElementById(idFor(p.field as string))?.focus();
                }}
              >
                {p.message}
              </a>
            </li>
          ) : (
            <li key={p.message}>{p.message}</li>
          ),
        )}
      </ul>
    </div>
  );
}
