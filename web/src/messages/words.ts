// Small rules of the message pages, free of React so they can be unit tested.
import type { DraftContent, MessageClinic, ThreadSummary, Topic } from './types.ts';

/** A pool's name in the reader's language. */
export const inLanguage = (names: { en: string; es: string }, lang: string) =>
  lang.startsWith('es') ? names.es : names.en;

/** Newest activity first (the server sends them so; a page keeps it so after merging). */
export const newestFirst = <T extends Pick<ThreadSummary, 'lastMessageAt'>>(threads: T[]) =>
  [...threads].sort((a, b) => Date.parse(b.lastMessageAt) - Date.parse(a.lastMessageAt));

/** A phone number as a tel: link target. */
export const telHref = (phone: string) => `tel:${phone.replace(/[^+\d]/g, '')}`;

export type DraftState = 'idle' | 'saving' | 'saved' | 'failed';

/**
 * The clinic and topic a kept draft chose, while the patient can still write
 * there about that (registrations and topics change): else none; the only
 * clinic is chosen for them.
 */
export function draftChoice(
  draft: Pick<DraftContent, 'clinicId' | 'topic'>,
  clinics: MessageClinic[],
): { clinicId: string; topic: Topic | '' } {
  const only = clinics.length === 1 ? clinics[0] : undefined;
  const clinic = clinics.find((c) => c.clinicId === draft.clinicId) ?? only;
  const offered = clinic?.topics.some((o) => o.topic === draft.topic);
  return { clinicId: clinic?.clinicId ?? '', topic: offered && draft.topic ? draft.topic : '' };
}
