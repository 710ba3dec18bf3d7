import { useQuery } from '@tanstack/react-query';
import { getJson } from '../query.ts';
import { type ClinicOptions, OPTIONS_KEY } from './frontDesk.ts';

/** The clinics whose schedule this person works, with their visit types and providers. */
export function useDeskOptions() {
  return useQuery({
    queryKey: OPTIONS_KEY,
    queryFn: getJson<{ clinics: ClinicOptions[] }>('/api/staff/scheduling/options'),
    select: (body) => body.clinics,
    staleTime: 5 * 60_000,
  });
}

/** The chosen clinic, else the first of them. */
export const chosenClinic = (clinics: ClinicOptions[] | undefined, id: string | null) =>
  clinics?.find((c) => c.clinic.id === id) ?? clinics?.[0];
