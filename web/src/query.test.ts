import { QueryClient } from '@tanstack/react-query';
import { afterEach, expect, test, vi } from 'vitest';
import { getJson } from './query.ts';

afterEach(() => vi.unstubAllGlobals());

test('the first load counts as activity; a refetch of cached data is background', async () => {
  const backgrounds: (string | null)[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: string, init: RequestInit) => {
      backgrounds.push(new Headers(init.headers).get('x-background'));
      return new Response('{"n":1}', { status: 200 });
    }),
  );
  const client = new QueryClient();
  const options = { queryKey: ['thing'], queryFn: getJson<{ n: number }>('/api/thing') };
  await client.fetchQuery(options);
  await client.refetchQueries({ queryKey: ['thing'] });
  await client.fetchQuery({ ...options, staleTime: 0 });
  expect(backgrounds).toEqual([null, '1', '1']);
});
