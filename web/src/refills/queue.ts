// The review queue's small rules, free of React so they can be unit tested.
import type { QueueItem, QueueView } from './types.ts';

export type QueueFlag = 'overdue' | 'awaitingAnswer' | 'routedNurse' | 'routedProvider';

/** What a row says besides its status, in words (never by colour alone). */
export function queueFlags(
  item: Pick<QueueItem, 'overdue' | 'awaitingAnswer' | 'routedTo' | 'status'>,
): QueueFlag[] {
  const flags: QueueFlag[] = [];
  const open = item.status === 'requested' || item.status === 'in_review';
  if (item.overdue && open) flags.push('overdue');
  if (item.awaitingAnswer) flags.push('awaitingAnswer');
  if (item.routedTo === 'nurse' && open) flags.push('routedNurse');
  if (item.routedTo === 'provider' && open) flags.push('routedProvider');
  return flags;
}

export const queueView = (value: string | null): QueueView =>
  value === 'decided' ? 'decided' : 'undecided';

export const queuePath = (clinicId: string, view: QueueView, page: number) =>
  `/api/staff/refills?${new URLSearchParams({ clinicId, status: view, page: String(page) })}`;
