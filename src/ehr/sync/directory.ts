// Names of the practitioners and organisations that cached resources point
// to, so the records pages can say who prescribed or where a visit was.
// EHRs often send a bare `Practitioner/123` reference; the sync looks such
// names up once and keeps them for a week.
import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import type { EhrGateway } from '../gateway/gateway.ts';
import { array, isObject } from './validate.ts';

type Json = Record<string, unknown>;
const DIRECTORY_REF = /^(Practitioner|Organization)\/([A-Za-z0-9\-.]{1,64})$/;
const FRESH_DAYS = 7;
const CHUNK = 50;

/** `Practitioner/<id>` and `Organization/<id>` references without a display, in one resource. */
export function directoryRefs(resource: Json): string[] {
  const refs: unknown[] = [
    resource.requester,
    resource.serviceProvider,
    ...array(resource.participant).flatMap((p) => (isObject(p) ? [p.individual, p.actor] : [])),
    ...array(resource.performer).map((p) => (isObject(p) ? p.actor : undefined)),
  ];
  const out: string[] = [];
  for (const ref of refs)
    if (isObject(ref) && typeof ref.reference === 'string' && !ref.display)
      if (DIRECTORY_REF.test(ref.reference)) out.push(ref.reference);
  return out;
}

/**
 * Looks up the names not known yet (or known for more than a week). Names are
 * a convenience: an EHR that will not answer leaves them out, never fails the sync.
 */
export async function refreshDirectory(
  db: Kysely<Schema>,
  gateway: EhrGateway,
  refs: Iterable<string>,
): Promise<void> {
  const wanted = [...new Set(refs)];
  if (wanted.length === 0) return;
  const known = await db
    .selectFrom('ehr_directory')
    .select('reference')
    .where('reference', 'in', wanted)
    .where('synced_at', '>', new Date(Date.now() - FRESH_DAYS * 86_400_000))
    .execute();
  const have = new Set(known.map((k) => k.reference));
  const missing = wanted.filter((r) => !have.has(r));
  for (const type of ['Practitioner', 'Organization'] as const) {
    const ids = missing
      .filter((r) => r.startsWith(`${type}/`))
      .map((r) => r.split('/')[1] as string);
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const found = await gateway
        .search(type, { _id: chunk.join(',') }, chunk.length)
        .catch(() => []);
      const rows = namesOf(type, chunk, found as unknown as Json[]);
      if (rows.length)
        await db
          .insertInto('ehr_directory')
          .values(rows.map((r) => ({ ...r, synced_at: new Date() })))
          .onConflict((oc) =>
            oc.column('reference').doUpdateSet((eb) => ({
              display: eb.ref('excluded.display'),
              synced_at: eb.ref('excluded.synced_at'),
            })),
          )
          .execute();
    }
  }
}

/** One row per asked-for id the EHR returned with a usable name. */
function namesOf(type: string, asked: string[], found: Json[]) {
  const rows = new Map<string, { reference: string; display: string }>();
  for (const resource of found) {
    const display = displayName(resource);
    if (typeof resource.id === 'string' && asked.includes(resource.id) && display)
      rows.set(resource.id, { reference: `${type}/${resource.id}`, display });
  }
  return [...rows.values()];
}

/** "Dr. Ana María López" from a Practitioner, the name of an Organization. */
export function displayName(resource: Json): string | null {
  if (typeof resource.name === 'string') return resource.name.slice(0, 200) || null;
  const name = array(resource.name).find(isObject);
  if (!name) return null;
  if (typeof name.text === 'string' && name.text) return name.text.slice(0, 200);
  const parts = [
    ...array(name.prefix),
    ...array(name.given),
    name.family,
    ...array(name.suffix),
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return parts.join(' ').slice(0, 200) || null;
}

/** Display names for references, for one page of records. */
export async function lookupNames(
  db: Kysely<Schema>,
  refs: Iterable<string>,
): Promise<Map<string, string>> {
  const wanted = [...new Set(refs)];
  if (wanted.length === 0) return new Map();
  const rows = await db
    .selectFrom('ehr_directory')
    .select(['reference', 'display'])
    .where('reference', 'in', wanted)
    .execute();
  return new Map(rows.map((r) => [r.reference, r.display]));
}
