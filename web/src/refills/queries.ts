// The refills API as the pages use it: reads through react-query, changes as
// plain calls; after a change everything under refillsKey is read again.
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from '../api.ts';
import { getJson } from '../query.ts';
import { queuePath } from './queue.ts';
import type {
  MedicationList,
  PharmacyChoice,
  QueuePage,
  QueueView,
  RefillRequest,
  RefillReview,
  RequestPage,
} from './types.ts';

export const refillsKey = ['refills'] as const;
const enc = encodeURIComponent;

/** Judged by the rules of `clinicId` (the one the requests go to); the first clinic by default. */
export function useMedications(clinicId?: string) {
  const query = clinicId ? `?clinicId=${enc(clinicId)}` : '';
  return useQuery({
    queryKey: [...refillsKey, 'medications', clinicId],
    queryFn: getJson<MedicationList>(`/api/refills/medications${query}`),
  });
}

export function usePharmacies(clinicId: string | undefined) {
  return useQuery({
    queryKey: [...refillsKey, 'pharmacies', clinicId],
    queryFn: getJson<PharmacyChoice>(`/api/refills/pharmacies?clinicId=${enc(clinicId ?? '')}`),
    enabled: clinicId !== undefined,
  });
}

export function useMyRequests(page: number) {
  return useQuery({
    queryKey: [...refillsKey, 'requests', page],
    queryFn: getJson<RequestPage>(`/api/refills?page=${page}`),
    placeholderData: keepPreviousData,
  });
}

/** An approval reaches the pharmacy within seconds: look again meanwhile. */
const SENDING_POLL_MS = 5_000;

export function useMyRequest(id: string) {
  return useQuery({
    queryKey: [...refillsKey, 'request', id],
    queryFn: getJson<RefillRequest>(`/api/refills/${enc(id)}`),
    refetchInterval: (q) => (q.state.data?.status === 'approved' ? SENDING_POLL_MS : false),
  });
}

export function useQueue(clinicId: string | undefined, view: QueueView, page: number) {
  return useQuery({
    queryKey: [...refillsKey, 'queue', clinicId, view, page],
    queryFn: getJson<QueuePage>(queuePath(clinicId ?? '', view, page)),
    enabled: clinicId !== undefined,
    placeholderData: keepPreviousData,
  });
}

export function useReview(id: string) {
  return useQuery({
    queryKey: [...refillsKey, 'review', id],
    queryFn: getJson<RefillReview>(`/api/staff/refills/${enc(id)}`),
  });
}

export interface Submission {
  clinicId: string;
  medicationIds: string[];
  pharmacyId: string;
  savePharmacy: boolean;
  note?: string;
}

export const submitRefills = (body: Submission) =>
  api<{ requests: RefillRequest[] }>('/api/refills', { method: 'POST', json: body });

export const cancelRequest = (id: string) =>
  api<RefillRequest>(`/api/refills/${enc(id)}/cancel`, { method: 'POST' });

export const answerQuestion = (id: string, text: string) =>
  api<RefillRequest>(`/api/refills/${enc(id)}/answer`, { method: 'POST', json: { text } });

export type StaffAction =
  | { kind: 'notes' | 'question'; text: string }
  | { kind: 'route'; to: 'nurse' | 'provider' }
  | { kind: 'approve'; note?: string }
  | { kind: 'deny'; reason: string };

/** One of the reviewer's actions on a request. */
export function staffAct(id: string, action: StaffAction) {
  const { kind, ...json } = action;
  return api<unknown>(`/api/staff/refills/${enc(id)}/${kind}`, { method: 'POST', json });
}

/** After any change: read every refills list and request again. */
export function useRefillsChanged() {
  const client = useQueryClient();
  return useCallback(() => client.invalidateQueries({ queryKey: refillsKey }), [client]);
}
