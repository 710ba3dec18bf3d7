import { useCallback, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { wording } from './messages.ts';
import { type Problem, problemsFromError } from './problems.ts';

/**
 * The problems a form shows, with helpers to fill them from an API error.
 * `fields` are the form's fields as the server names them; `codeFields` ties
 * an error code without details (weak_password) to one of them.
 */
export function useProblems(
  fields: readonly string[],
  codeFields: Readonly<Record<string, string>> = {},
) {
  const { t, i18n } = useTranslation();
  const [problems, setProblems] = useState<Problem[]>([]);
  const lang = i18n.resolvedLanguage ?? 'en';
  const words = useMemo(() => wording(t, lang), [t, lang]);
  // Fixed per form; kept in a ref so callers may pass literals.
  const shape = useRef({ fields, codeFields });
  const fromError = useCallback(
    (error: unknown) =>
      setProblems(problemsFromError(error, shape.current.fields, words, shape.current.codeFields)),
    [words],
  );
  const errorFor = useCallback(
    (field: string) => problems.find((p) => p.field === field)?.message,
    [problems],
  );
  const clear = useCallback(() => setProblems([]), []);
  return { problems, setProblems, fromError, errorFor, clear };
}
