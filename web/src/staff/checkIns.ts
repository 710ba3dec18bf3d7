// The check-in review desk's API shapes (types only from the server's
// schemas) and the requests it makes.
import type { Static } from 'typebox';
import type {
  CheckInDetail as DetailSchema,
  CheckInPage as PageSchema,
  CheckInSummary as SummarySchema,
} from '../../../src/modules/scheduling/check-in-model.ts';
import { api } from '../api.ts';

export type CheckInSummary = Static<typeof SummarySchema>;
export type CheckInPage = Static<typeof PageSchema>;
export type CheckInDetail = Static<typeof DetailSchema>;
export type Section = CheckInSummary['changed'][number];

export interface ReviewSearch {
  clinicId: string;
  show: 'unreviewed' | 'all';
  page: number;
}

export function listPath(s: ReviewSearch): string {
  const q = new URLSearchParams({ show: s.show, page: String(s.page) });
  if (s.clinicId) q.set('clinicId', s.clinicId);
  return `/api/staff/check-ins?${q}`;
}

export const detailPath = (appointmentId: string) =>
  `/api/staff/check-ins/${encodeURIComponent(appointmentId)}`;

export const markReviewed = (appointmentId: string) =>
  api<CheckInDetail>(`${detailPath(appointmentId)}/reviewed`, { method: 'POST' });
