import { useEffect, useRef } from 'react';

/**
 * Focuses the element when `when` is true on mount, e.g. the heading of a
 * step that replaced another on the same page, so keyboard and screen reader
 * users start at the new content (the Shell does this only for new URLs).
 */
export function useFocusOnMount<T extends HTMLElement>(when: boolean) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (when) ref.current?.focus();
  }, [when]);
  return ref;
}
