// Runs the last value pushed once pushing has paused for `delay` ms; a pending
// value can be flushed (leaving the page) or dropped (the message was sent).
export interface Debouncer<T> {
  push(value: T): void;
  /** Runs the pending value now, if any. */
  flush(): void;
  /** Forgets the pending value. */
  cancel(): void;
}

export function debouncer<T>(delay: number, run: (value: T) => void): Debouncer<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: { value: T } | null = null;
  const cancel = () => {
    clearTimeout(timer);
    pending = null;
  };
  const flush = () => {
    const due = pending;
    cancel();
    if (due) run(due.value);
  };
  return {
    push(value) {
      clearTimeout(timer);
      pending = { value };
      timer = setTimeout(flush, delay);
    },
    flush,
    cancel,
  };
}
