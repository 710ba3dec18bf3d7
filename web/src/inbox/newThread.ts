// Starting a conversation with a patient: the form's values, its checks (the
// limits are the server's: subject 200, body 10 000 characters) and which
// clinics it can go from.
import type { Topic } from './types.ts';

export const SUBJECT_MAX = 200;
export const BODY_MAX = 10_000;

export interface NewThreadForm {
  clinicId: string;
  topic: Topic | '';
  subject: string;
  body: string;
}

export type NewThreadField = keyof NewThreadForm;

export function newThreadProblems(f: NewThreadForm): NewThreadField[] {
  const missing: NewThreadField[] = [];
  if (!f.clinicId) missing.push('clinicId');
  if (!f.topic) missing.push('topic');
  if (!f.subject.trim()) missing.push('subject');
  if (!f.body.trim()) missing.push('body');
  return missing;
}

/** The clinics the patient is registered at where this person works the inbox. */
export const sharedClinics = <R extends { clinicId: string }>(
  registrations: R[],
  mine: { id: string }[],
): R[] => registrations.filter((r) => mine.some((c) => c.id === r.clinicId));
