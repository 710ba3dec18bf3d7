import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';

/** Opening time on one ISO weekday (1 = Monday … 7 = Sunday), clinic-local "HH:MM". */
export interface OpeningHours {
  weekday: number;
  opens: string;
  closes: string;
}

export interface Clinic {
  id: string;
  slug: string;
  name: string;
  timeZone: string;
  phone: string;
  address: {
    line1: string;
    line2: string | null;
    city: string;
    state: string;
    postalCode: string;
  };
  hours: OpeningHours[];
}

export function useClinics() {
  return useQuery({
    queryKey: ['clinics'],
    queryFn: async ({ signal }) => {
      const body = await api<{ clinics: Clinic[] }>('/api/clinics', { signal });
      return body.clinics;
    },
  });
}
