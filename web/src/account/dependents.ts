import { useQuery } from '@tanstack/react-query';
import { getJson } from '../query.ts';

export interface PersonName {
  given: string;
  family: string;
}

/** GET /api/account/dependents (src/modules/patients/proxy-routes.ts). */
export interface Dependents {
  self: { patientId: string; name: PersonName } | null;
  dependents: {
    patientId: string;
    name: PersonName;
    relationship: 'parent' | 'guardian' | 'caregiver' | 'other';
    expiresAt: string;
  }[];
  actingForPatientId: string | null;
}

export const dependentsKey = ['dependents'] as const;

export function useDependents(enabled: boolean) {
  return useQuery({
    queryKey: dependentsKey,
    queryFn: getJson<Dependents>('/api/account/dependents'),
    enabled,
  });
}

export const fullName = (name: PersonName) => `${name.given} ${name.family}`;

/** The record this session works on: a dependent's, else one's own. */
export function currentRecord(d: Dependents): { patientId: string; name: PersonName } | null {
  const acting = d.dependents.find((x) => x.patientId === d.actingForPatientId);
  return acting ?? d.self;
}
