import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { debouncer } from './debounce.ts';
import { saveDraft, useDraft } from './queries.ts';
import type { DraftContent } from './types.ts';
import type { DraftState } from './words.ts';

/** Typing pauses this long before the draft is saved. */
export const DRAFT_DELAY_MS = 1000;

const EMPTY: DraftContent = { body: '' };

/**
 * A message being written, kept as a draft on the server: its text and, for a
 * new conversation, the clinic, topic and subject chosen. Restored when the
 * page opens (unless the patient has started already), saved a second after
 * typing pauses and when the page is left. `settle()` before sending (the
 * server deletes the draft with the message sent), `sent()` after.
 */
export function useDraftText(threadId: string | null) {
  const draft = useDraft(threadId);
  const [content, setContent] = useState<DraftContent>(EMPTY);
  const latest = useRef<DraftContent>(EMPTY);
  const [state, setState] = useState<DraftState>('idle');
  const typed = useRef(false);
  const saving = useRef<Promise<unknown>>(Promise.resolve());
  const saver = useMemo(
    () =>
      debouncer<DraftContent>(DRAFT_DELAY_MS, (value) => {
        setState('saving');
        saving.current = saveDraft(threadId, value).then(
          () => setState('saved'),
          () => setState('failed'),
        );
      }),
    [threadId],
  );
  // Leaving the page saves what was typed in the last second.
  useEffect(() => () => saver.flush(), [saver]);
  const restored = draft.data?.draft;
  useEffect(() => {
    if (!restored || typed.current) return;
    const { body, clinicId, topic, subject } = restored;
    latest.current = { body, clinicId, topic, subject };
    setContent(latest.current);
  }, [restored]);
  /** Some of the draft changed: kept with the rest. */
  const change = useCallback(
    (changes: Partial<DraftContent>) => {
      typed.current = true;
      latest.current = { ...latest.current, ...changes };
      setContent(latest.current);
      setState('idle');
      saver.push(latest.current);
    },
    [saver],
  );
  const edit = useCallback((body: string) => change({ body }), [change]);
  // Before sending: no save may land after the server has deleted the draft.
  const settle = useCallback(async () => {
    saver.cancel();
    await saving.current;
  }, [saver]);
  const sent = useCallback(() => {
    saver.cancel();
    typed.current = true;
    latest.current = EMPTY;
    setContent(EMPTY);
    setState('idle');
  }, [saver]);
  return { text: content.body, content, edit, change, settle, sent, state };
}
