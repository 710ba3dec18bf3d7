// The scheduling API as the pages use it: reads through react-query, changes
// as plain calls that refresh what they touched.
import {
  keepPreviousData,
  type QueryFunctionContext,
  useInfiniteQuery,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from '../api.ts';
import { getJson } from '../query.ts';
import { type Search, slotsPath } from './search.ts';
import { isSettling } from './status.ts';
import type { Appointment, ClinicOptions, Hold, Mode, SlotPage } from './types.ts';

export const appointmentsKey = ['appointments'] as const;
const slotsKey = ['appointment-slots'] as const;
/** A booking on its way to the EHR settles within seconds: look again this often meanwhile. */
const SETTLING_POLL_MS = 3_000;
/** Open times go quickly; a search older than this is asked again. */
const SLOTS_FRESH_MS = 30_000;

export interface AppointmentPage {
  appointments: Appointment[];
  page: number;
  hasMore: boolean;
}

export function useSchedulingOptions() {
  return useQuery({
    queryKey: ['scheduling-options'],
    queryFn: getJson<{ clinics: ClinicOptions[] }>('/api/scheduling/options'),
  });
}

export function useAppointments(when: 'upcoming' | 'past', page: number) {
  return useQuery({
    queryKey: [...appointmentsKey, 'list', when, page],
    queryFn: getJson<AppointmentPage>(`/api/appointments?when=${when}&page=${page}`),
    placeholderData: keepPreviousData,
    refetchInterval: (q) =>
      q.state.data?.appointments.some(isSettling) ? SETTLING_POLL_MS : false,
  });
}

export function useAppointment(id: string) {
  return useQuery({
    queryKey: [...appointmentsKey, 'one', id],
    queryFn: getJson<Appointment>(`/api/appointments/${encodeURIComponent(id)}`),
    refetchInterval: (q) => (isSettling(q.state.data) ? SETTLING_POLL_MS : false),
  });
}

/** Open times page by page ("Show later times" adds the next page). */
export function useSlots(search: Search | null) {
  return useInfiniteQuery({
    queryKey: [...slotsKey, search],
    queryFn: ({ pageParam, client, queryKey, signal }: QueryFunctionContext<unknown[], number>) =>
      api<SlotPage>(slotsPath(search as Search, pageParam), {
        signal,
        // Reloading pages already on screen is background work; a new page was asked for.
        background: Boolean(
          client.getQueryData<{ pageParams: number[] }>(queryKey)?.pageParams.includes(pageParam),
        ),
      }),
    initialPageParam: 1,
    getNextPageParam: (last: SlotPage) => (last.hasMore ? last.page + 1 : undefined),
    enabled: search !== null,
    staleTime: SLOTS_FRESH_MS,
  });
}

export const holdSlot = (slotId: string, visitTypeId: string) =>
  api<Hold>('/api/appointments/holds', { method: 'POST', json: { slotId, visitTypeId } });

export const releaseHold = (slotId: string) =>
  api<void>(`/api/appointments/holds/${encodeURIComponent(slotId)}`, { method: 'DELETE' });

export const bookSlot = (slotId: string, visitTypeId: string, mode?: Mode) =>
  api<Appointment>('/api/appointments', {
    method: 'POST',
    json: { slotId, visitTypeId, ...(mode ? { mode } : {}) },
  });

export const rescheduleTo = (id: string, slotId: string) =>
  api<Appointment>(`/api/appointments/${encodeURIComponent(id)}/reschedule`, {
    method: 'POST',
    json: { slotId },
  });

export const cancelWithReason = (id: string, reason: string) =>
  api<Appointment>(`/api/appointments/${encodeURIComponent(id)}/cancel`, {
    method: 'POST',
    json: { reason },
  });

export const calendarHref = (id: string) =>
  `/api/appointments/${encodeURIComponent(id)}/calendar.ics`;

/** After a change: the changed appointment as the server answered, everything else reloaded. */
export function useAppointmentChanged() {
  const client = useQueryClient();
  return useCallback(
    async (changed: Appointment) => {
      client.setQueryData([...appointmentsKey, 'one', changed.id], changed);
      await Promise.all([
        client.invalidateQueries({ queryKey: appointmentsKey }),
        client.invalidateQueries({ queryKey: slotsKey }),
      ]);
    },
    [client],
  );
}
