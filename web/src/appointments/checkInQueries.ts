// The check-in API as the pages use it.
import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';
import { getJson } from '../query.ts';
import type { CheckIn, CheckInBody } from './checkIn.ts';
import { appointmentsKey } from './queries.ts';
import type { Appointment } from './types.ts';

/** Under the appointments key, so a change to the appointment refreshes it too. */
export const checkInKey = (id: string) => [...appointmentsKey, 'check-in', id];

const path = (id: string) => `/api/appointments/${encodeURIComponent(id)}`;

export function useCheckIn(id: string) {
  return useQuery({ queryKey: checkInKey(id), queryFn: getJson<CheckIn>(`${path(id)}/check-in`) });
}

export const sendCheckIn = (id: string, body: CheckInBody) =>
  api<CheckIn>(`${path(id)}/check-in`, { method: 'POST', json: body });

export const sayArrived = (id: string) =>
  api<Appointment>(`${path(id)}/arrive`, { method: 'POST' });
