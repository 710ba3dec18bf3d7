import { useState } from 'react';
import { holdSlot } from './queries.ts';
import type { Clinic, Held, Slot, VisitType } from './types.ts';

/** Holding a time: one at a time, with the refusal (and its next times) kept to show. */
export function useHold(onHeld: (held: Held) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const hold = async (slot: Slot, clinic: Clinic, visitType: VisitType) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const { expiresAt } = await holdSlot(slot.id, visitType.id);
      onHeld({ slot, expiresAt, clinic, visitType });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { hold, busy, error, clearError: () => setError(null) };
}
