// The messaging API as the patient pages use it: reads through react-query,
// changes as plain calls; after a change everything under messagesKey is read again.
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from '../api.ts';
import { type SessionState, sessionKey } from '../auth/session.ts';
import { getJson } from '../query.ts';
import type {
  ClinicList,
  DraftAnswer,
  DraftContent,
  MessageEmail,
  MessageView,
  ThreadPage,
  ThreadView,
  Topic,
  Unread,
} from './types.ts';

export const messagesKey = ['messages'] as const;
export const unreadKey = [...messagesKey, 'unread'] as const;
const enc = encodeURIComponent;
/** The unread count is read again this often, and whenever the window gets focus. */
export const UNREAD_POLL_MS = 60_000;

export function useMessageClinics() {
  return useQuery({
    queryKey: [...messagesKey, 'clinics'],
    queryFn: getJson<ClinicList>('/api/messages/clinics'),
  });
}

export function useThreads(page: number) {
  return useQuery({
    queryKey: [...messagesKey, 'threads', page],
    queryFn: getJson<ThreadPage>(`/api/messages/threads?page=${page}`),
    placeholderData: keepPreviousData,
    // Another tab or device may have read or written meanwhile.
    staleTime: 0,
  });
}

/** Reading a thread marks it read on the server. */
export function useThread(id: string) {
  return useQuery({
    queryKey: [...messagesKey, 'thread', id],
    queryFn: getJson<ThreadView>(`/api/messages/threads/${enc(id)}`),
    staleTime: 0,
  });
}

/** The nav's count: server-side, so it stays right across tabs and devices. */
export function useUnread() {
  return useQuery({
    queryKey: unreadKey,
    // Never activity: a badge polling on its own must not keep an idle session alive.
    // Nor asked once signing out has begun: the answer would be a 401.
    queryFn: ({ client, signal }) =>
      client.getQueryData<SessionState>(sessionKey)?.leaving
        ? { unread: 0 }
        : api<Unread>('/api/messages/unread', { signal, background: true }),
    staleTime: 0,
    refetchOnWindowFocus: 'always',
    refetchInterval: UNREAD_POLL_MS,
  });
}

const draftPath = (threadId: string | null) =>
  `/api/messages/drafts${threadId ? `?threadId=${enc(threadId)}` : ''}`;

export function useDraft(threadId: string | null) {
  return useQuery({
    queryKey: [...messagesKey, 'draft', threadId],
    queryFn: getJson<DraftAnswer>(draftPath(threadId)),
    // Restored once when the page opens; typing must not be overwritten later.
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
  });
}

/** Saved as the patient types; background work, not activity that keeps a session alive. */
export const saveDraft = (threadId: string | null, draft: DraftContent) =>
  api<unknown>('/api/messages/drafts', {
    method: 'PUT',
    json: { threadId, ...draft },
    background: true,
  });

export interface NewThread {
  clinicId: string;
  topic: Topic;
  subject: string;
  body: string;
  attachmentIds: string[];
}

export const startThread = (body: NewThread) =>
  api<ThreadView>('/api/messages/threads', { method: 'POST', json: body });

export const sendReply = (threadId: string, body: string, attachmentIds: string[]) =>
  api<MessageView>(`/api/messages/threads/${enc(threadId)}/messages`, {
    method: 'POST',
    json: { body, attachmentIds },
  });

export function useMessageEmail() {
  return useQuery({
    queryKey: [...messagesKey, 'email'],
    queryFn: getJson<MessageEmail>('/api/account/message-email'),
  });
}

export const setMessageEmail = (email: boolean) =>
  api<MessageEmail>('/api/account/message-email', { method: 'PUT', json: { email } });

/** After sending or reading: read every list, thread and the unread count again. */
export function useMessagesChanged() {
  const client = useQueryClient();
  return useCallback(() => client.invalidateQueries({ queryKey: messagesKey }), [client]);
}
