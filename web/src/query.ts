import type { QueryFunctionContext } from '@tanstack/react-query';
import { api } from './api.ts';

/**
 * A react-query queryFn for a GET. The first load is something the user asked
 * for; a refetch of data already on screen (window focus, invalidation) is
 * background work and says so, so it does not keep an idle session alive.
 */
export function getJson<T>(path: string) {
  return ({ client, queryKey, signal }: QueryFunctionContext) =>
    api<T>(path, { signal, background: client.getQueryData(queryKey) !== undefined });
}
