// @medplum/fhir-router's in-memory repository, with searches that copy only
// the page they return. The stock search copies every match before cutting
// the page out, so paging through the demo EHR's ~8,000 slots copied all of
// them for every page of 50.
import { deepClone, matchesSearchRequest, type SearchRequest, type WithId } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Resource } from '@medplum/fhirtypes';

type Stored = Map<string, Map<string, Resource>>;

export class DemoRepository extends MemoryRepository {
  override async search<T extends Resource>(request: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const byType = this.stored()?.get(request.resourceType);
    // Sorting (rare here) and a changed library keep the stock search.
    if (request.sortRules?.length || !byType) return super.search(request);
    const matches: Resource[] = [];
    for (const r of byType.values()) if (matchesSearchRequest(r, request)) matches.push(r);
    const offset = request.offset ?? 0;
    const page = matches.slice(
      offset,
      request.count === undefined ? undefined : offset + request.count,
    );
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: page.length ? page.map((r) => ({ resource: deepClone(r) as WithId<T> })) : undefined,
      total: matches.length,
    };
  }

  /** Every stored resource of a type, not copied (read, never change). */
  async all(resourceType: string): Promise<Resource[]> {
    const stored = this.stored();
    if (stored) return [...(stored.get(resourceType)?.values() ?? [])];
    const found = await super.search({ resourceType: resourceType as Resource['resourceType'] });
    return (found.entry ?? []).map((e) => e.resource as Resource);
  }

  /** The parent's store (a private field of MemoryRepository 4.x); undefined if that changed. */
  private stored(): Stored | undefined {
    const resources = (this as unknown as { resources?: unknown }).resources;
    return resources instanceof Map ? (resources as Stored) : undefined;
  }
}
