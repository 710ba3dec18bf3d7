import { useEffect } from 'react';
import { releaseHold } from './queries.ts';

// Releases wait a tick: React's development double mount (StrictMode) undoes
// and redoes an effect at once, and must not let go of the hold in between.
const pending = new Map<string, ReturnType<typeof setTimeout>>();

/**
 * Lets go of a held time when the page stops holding it: another time was
 * chosen, "Choose another time", or the patient left the page. After a
 * booking the hold is gone already and the release does nothing.
 */
export function useReleaseWhenDone(slotId: string | null) {
  useEffect(() => {
    if (!slotId) return;
    clearTimeout(pending.get(slotId));
    pending.delete(slotId);
    return () => {
      pending.set(
        slotId,
        setTimeout(() => {
          pending.delete(slotId);
          releaseHold(slotId).catch(() => {
            // Unreleased, the hold simply runs out in a few minutes.
          });
        }, 0),
      );
    };
  }, [slotId]);
}
