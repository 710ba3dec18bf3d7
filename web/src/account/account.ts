import { useQuery } from '@tanstack/react-query';
import { getJson } from '../query.ts';

/** GET /api/account (src/modules/accounts/settings-routes.ts). */
export interface Account {
  email: string;
  displayName: string;
  language: 'en' | 'es';
  mfa: { totp: boolean; passkeys: number; recoveryCodesLeft: number; declined: boolean };
  patientId: string | null;
}

export const accountKey = ['account'] as const;

export function useAccount() {
  return useQuery({ queryKey: accountKey, queryFn: getJson<Account>('/api/account') });
}
