import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { debouncer } from './debounce.ts';
import { saveDraft, useDraft } from './queries.ts';
import type { DraftState } from './words.ts';

/** Typing pauses this long before the draft is saved. */
export const DRAFT_DELAY_MS = 1000;

/**
 * The text of a message being written, kept as a draft on the server: restored
 * when the page opens (unless the patient has typed already), saved a second
 * after typing pauses and when the page is left. `settle()` before sending
 * (the server deletes the draft with the message sent), `sent()` after.
 */
export function useDraftText(threadId: string | null) {
  const draft = useDraft(threadId);
  const [text, setText] = useState('');
  const [state, setState] = useState<DraftState>('idle');
  const typed = useRef(false);
  const saving = useRef<Promise<unknown>>(Promise.resolve());
  const saver = useMemo(
    () =>
      debouncer<string>(DRAFT_DELAY_MS, (body) => {
        setState('saving');
        saving.current = saveDraft(threadId, body).then(
          () => setState('saved'),
          () => setState('failed'),
        );
      }),
    [threadId],
  );
  // Leaving the page saves what was typed in the last second.
  useEffect(() => () => saver.flush(), [saver]);
  const restored = draft.data?.draft?.body;
  useEffect(() => {
    if (restored && !typed.current) setText(restored);
  }, [restored]);
  const edit = useCallback(
    (value: string) => {
      typed.current = true;
      setText(value);
      setState('idle');
      saver.push(value);
    },
    [saver],
  );
  // Before sending: no save may land after the server has deleted the draft.
  const settle = useCallback(async () => {
    saver.cancel();
    await saving.current;
  }, [saver]);
  const sent = useCallback(() => {
    saver.cancel();
    typed.current = true;
    setText('');
    setState('idle');
  }, [saver]);
  return { text, edit, settle, sent, state };
}
