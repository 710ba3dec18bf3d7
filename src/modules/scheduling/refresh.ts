// Before a patient sees open times, the window they asked for is read again
// from the EHR when this instance last read it more than a minute ago, so a
// time booked at the front desk a moment ago is not offered. The EHR being
// slow or down never stops the search: the local inventory answers.
import type { FastifyBaseLogger } from 'fastify';
import type { ModuleDeps } from '../../platform/http/module.ts';
import { refreshClinic } from './inventory.ts';
import type { SlotPage, SlotSearchQuery } from './model.ts';
import type { OpenTimesMemory } from './open-times-memory.ts';
import { type Searcher, type SearchWindow, searchSlots } from './search.ts';

const FRESH_MS = 60_000;
const WAIT_MS = 2_000;
/** Windows read lately; forgotten wholesale when it grows, which costs only an extra read. */
const lastRead = new Map<string, number>();
const REMEMBERED = 1_000;

/** A page of open times, searched again after the window was read from the EHR, when it was due. */
export async function freshSearch(
  deps: ModuleDeps,
  q: SlotSearchQuery,
  who: Searcher,
  log: FastifyBaseLogger,
  memory?: OpenTimesMemory,
): Promise<SlotPage> {
  const first = await searchSlots(deps.db, q, who, memory);
  if (!(await refreshSearchedWindow(deps, q, first.window, log))) return first.page;
  return (await searchSlots(deps.db, q, who, memory)).page;
}

/** True when it read the EHR. */
async function refreshSearchedWindow(
  deps: ModuleDeps,
  q: SlotSearchQuery,
  window: SearchWindow,
  log: FastifyBaseLogger,
): Promise<boolean> {
  if (!deps.ehr) return false;
  const key = `${q.clinicId}|${q.providerId ?? ''}|${window.from.toISOString().slice(0, 10)}|${window.to.toISOString().slice(0, 10)}`;
  if (Date.now() - (lastRead.get(key) ?? 0) < FRESH_MS) return false;
  if (lastRead.size >= REMEMBERED) lastRead.clear();
  lastRead.set(key, Date.now());
  const reading = refreshClinic(deps.db, deps.ehr, q.clinicId, {
    ...window,
    providerId: q.providerId,
  }).catch((err: unknown) => {
    lastRead.delete(key);
    log.warn(
      { err: { name: (err as Error)?.name } },
      'slot window refresh failed; searching the local copy',
    );
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    reading,
    new Promise((r) => {
      timer = setTimeout(r, WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  return true;
}
