// The staff inbox API as the pages use it: reads through react-query,
// changes as plain calls; after a change everything under inboxKey is read again.
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from '../api.ts';
import { getJson } from '../query.ts';
import { type InboxFilters, threadsPath } from './inbox.ts';
import type {
  InboxPools,
  MessageView,
  Template,
  ThreadPage,
  ThreadStatus,
  ThreadView,
  Topic,
} from './types.ts';

export const inboxKey = ['inbox'] as const;
const enc = encodeURIComponent;

export function usePools(clinicId: string) {
  return useQuery({
    queryKey: [...inboxKey, 'pools', clinicId],
    queryFn: getJson<InboxPools>(`/api/staff/messages/pools?clinicId=${enc(clinicId)}`),
    enabled: clinicId !== '',
    placeholderData: keepPreviousData,
  });
}

export function useThreads(clinicId: string, filters: InboxFilters) {
  return useQuery({
    queryKey: [...inboxKey, 'threads', clinicId, filters],
    queryFn: getJson<ThreadPage>(threadsPath(clinicId, filters)),
    enabled: clinicId !== '',
    placeholderData: keepPreviousData,
    // Colleagues pick threads up meanwhile.
    staleTime: 0,
  });
}

export function useThread(id: string) {
  return useQuery({
    queryKey: [...inboxKey, 'thread', id],
    queryFn: getJson<ThreadView>(`/api/staff/messages/threads/${enc(id)}`),
    staleTime: 0,
  });
}

export function useTemplates(clinicId: string) {
  return useQuery({
    queryKey: [...inboxKey, 'templates', clinicId],
    queryFn: getJson<Template[]>(`/api/staff/messages/templates?clinicId=${enc(clinicId)}`),
    enabled: clinicId !== '',
  });
}

/** A template's body for this thread, its placeholders filled by the server. */
export const filledTemplate = (threadId: string, templateId: string) =>
  api<{ body: string }>(
    `/api/staff/messages/threads/${enc(threadId)}/templates/${enc(templateId)}`,
  );

export const postMessage = (
  threadId: string,
  body: { body: string; internal: boolean; attachmentIds: string[] },
) =>
  api<MessageView>(`/api/staff/messages/threads/${enc(threadId)}/messages`, {
    method: 'POST',
    json: body,
  });

export type ThreadAction =
  | { kind: 'assign'; userId: string | null }
  | { kind: 'status'; status: ThreadStatus }
  | { kind: 'handoff'; providerUserId: string; note: string };

/** One of the inbox's actions on a thread. */
export function act(threadId: string, action: ThreadAction) {
  const { kind, ...json } = action;
  return api<unknown>(`/api/staff/messages/threads/${enc(threadId)}/${kind}`, {
    method: 'POST',
    json,
  });
}

export interface NewThread {
  clinicId: string;
  patientId: string;
  topic: Topic;
  subject: string;
  body: string;
}

export const startThread = (body: NewThread) =>
  api<ThreadView>('/api/staff/messages/threads', { method: 'POST', json: body });

/** After any change: read every inbox list, count and thread again. */
export function useInboxChanged() {
  const client = useQueryClient();
  return useCallback(() => client.invalidateQueries({ queryKey: inboxKey }), [client]);
}
