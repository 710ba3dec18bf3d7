// The EHR gateway over FHIR R4 REST: what every feature uses to reach the
// EHR, the demo EHR included. Reads and searches (following `next` links on
// the EHR's own address only), creates made idempotent by the portal's
// identifier and If-None-Exist, updates guarded by If-Match.
import type {
  Appointment,
  Bundle,
  Communication,
  Identifier,
  MedicationRequest,
  Patient,
  Resource,
  Schedule,
  Slot,
  Task,
} from '@medplum/fhirtypes';
import type { EhrConfig } from '../config.ts';
import {
  EhrError,
  type EhrGateway,
  PORTAL_IDENTIFIER_SYSTEM,
  type SearchParams,
  type UpdateOptions,
  type WriteOptions,
} from './gateway.ts';
import type { Answer } from './http.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { SmartBackendAuth, StaticBearer, type TokenSource } from './smart-auth.ts';
import { FhirTransport, type GatewayLogger } from './transport.ts';

export interface GatewayOptions {
  /** Overrides config.baseUrl: the demo EHR's address once it has started. */
  baseUrl?: string;
  retry?: Partial<RetryPolicy>;
  log?: GatewayLogger;
}

/** The gateway for this configuration. Without EHR_FHIR_BASE_URL, pass the demo EHR's address. */
export function createGateway(config: EhrConfig, options: GatewayOptions = {}): FhirClient {
  const baseUrl = (options.baseUrl ?? config.baseUrl)?.replace(/\/+$/, '');
  if (!baseUrl)
    throw new Error('No EHR address: set EHR_FHIR_BASE_URL or start the demo EHR first');
  const { auth, timeoutMs } = config;
  let tokens: TokenSource | undefined;
  if (auth.kind === 'bearer') tokens = new StaticBearer(auth.token);
  if (auth.kind === 'smart-backend') tokens = new SmartBackendAuth(baseUrl, auth, timeoutMs);
  const transport = new FhirTransport({
    timeoutMs,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    auth: tokens,
    log: options.log,
  });
  return new FhirClient(baseUrl, transport);
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export class FhirClient implements EhrGateway {
  readonly baseUrl: string;
  private readonly origin: string;
  private readonly transport: FhirTransport;

  constructor(baseUrl: string, transport: FhirTransport) {
    this.baseUrl = baseUrl;
    this.origin = new URL(baseUrl).origin;
    this.transport = transport;
  }

  async read<T extends Resource>(type: T['resourceType'], id: string): Promise<T | null> {
    try {
      const answer = await this.transport.send({
        method: 'GET',
        url: this.resourceUrl(type, id),
        idempotent: true,
        what: `GET ${type}`,
      });
      return expectResource<T>(answer, type, `GET ${type}`);
    } catch (err) {
      if (err instanceof EhrError && (err.status === 404 || err.status === 410)) return null;
      throw err;
    }
  }

  async search<T extends Resource>(
    type: T['resourceType'],
    params: SearchParams,
    limit = Infinity,
  ): Promise<T[]> {
    const found: T[] = [];
    for await (const page of this.searchPages<T>(type, params)) {
      found.push(...page);
      if (found.length >= limit) return found.slice(0, limit);
    }
    return found;
  }

  async *searchPages<T extends Resource>(
    type: T['resourceType'],
    params: SearchParams,
  ): AsyncIterable<T[]> {
    let url: string | undefined = `${this.typeUrl(type)}${queryString(params)}`;
    const seen = new Set<string>();
    while (url) {
      seen.add(url);
      const answer = await this.transport.send({
        method: 'GET',
        url,
        idempotent: true,
        what: `search ${type}`,
      });
      const bundle = expectResource<Bundle>(answer, 'Bundle', `search ${type}`);
      yield (bundle.entry ?? [])
        .filter((e) => e.resource?.resourceType === type && e.search?.mode !== 'include')
        .map((e) => e.resource as T);
      url = this.nextPage(bundle, type, seen);
    }
  }

  async create<T extends Resource>(resource: T, options: WriteOptions = {}): Promise<T> {
    const type = resource.resourceType;
    const key = options.idempotencyKey;
    const system = options.identifierSystem ?? PORTAL_IDENTIFIER_SYSTEM;
    const headers: Record<string, string> = { prefer: 'return=representation' };
    if (key) {
      headers['if-none-exist'] =
        `identifier=${encodeURIComponent(system)}|${encodeURIComponent(key)}`;
    }
    const what = `POST ${type}`;
    const answer = await this.transport.send({
      method: 'POST',
      url: this.typeUrl(type),
      headers,
      body: key ? withPortalIdentifier(resource, system, key) : resource,
      // With If-None-Exist a second try finds the first one's resource instead of making another.
      idempotent: Boolean(key),
      what,
    });
    return this.writtenResource<T>(answer, type, what);
  }

  async update<T extends Resource>(
    resource: T & { id: string },
    options: UpdateOptions = {},
  ): Promise<T> {
    const type = resource.resourceType;
    const what = `PUT ${type}`;
    const headers: Record<string, string> = { prefer: 'return=representation' };
    if (options.ifMatchVersion) headers['if-match'] = `W/"${options.ifMatchVersion}"`;
    try {
      const answer = await this.transport.send({
        method: 'PUT',
        url: this.resourceUrl(type, resource.id),
        headers,
        body: resource,
        idempotent: true,
        what,
      });
      return await this.writtenResource<T>(answer, type, what);
    } catch (err) {
      // A retry after a lost answer meets our own new version: that is success, not a conflict.
      if (err instanceof EhrError && err.status === 412 && options.ifMatchVersion) {
        const current = await this.read<T>(type, resource.id);
        if (current && sameContent(current, resource)) return current;
      }
      throw err;
    }
  }

  async findPatientByIdentifier(system: string, value: string): Promise<Patient | null> {
    const found = await this.search<Patient>(
      'Patient',
      { identifier: `${system}|${value}`, _count: '2' },
      2,
    );
    if (found.length > 1) {
      throw new EhrError('More than one EHR patient has this identifier', 409, undefined, false);
    }
    return found[0] ?? null;
  }

  schedules(params: SearchParams): Promise<Schedule[]> {
    return this.search<Schedule>('Schedule', params);
  }

  freeSlots(params: SearchParams): Promise<Slot[]> {
    return this.search<Slot>('Slot', { ...params, status: 'free' });
  }

  bookAppointment(appointment: Appointment, options: WriteOptions): Promise<Appointment> {
    return this.create(appointment, options);
  }

  async cancelAppointment(
    id: string,
    reason: string,
    options: UpdateOptions = {},
  ): Promise<Appointment> {
    const current = await this.read<Appointment>('Appointment', id);
    if (!current) throw new EhrError('The EHR has no such Appointment', 404);
    if (current.status === 'cancelled') return current;
    const cancelled = {
      ...current,
      id,
      status: 'cancelled' as const,
      cancelationReason: { text: reason },
    };
    return this.update(cancelled, {
      ifMatchVersion: options.ifMatchVersion ?? current.meta?.versionId,
    });
  }

  requestRefill(task: Task, options: WriteOptions): Promise<Task> {
    return this.create(task, options);
  }

  orderRefill(order: MedicationRequest, options: WriteOptions): Promise<MedicationRequest> {
    return this.create(order, options);
  }

  postMessage(message: Communication, options: WriteOptions): Promise<Communication> {
    return this.create(message, options);
  }

  /** The resource a create or update answered with, or read from its Location when the body was empty. */
  private async writtenResource<T extends Resource>(
    answer: Answer,
    type: string,
    what: string,
  ): Promise<T> {
    if (answer.body !== undefined) return expectResource<T>(answer, type, what);
    const location = answer.headers.get('location') ?? answer.headers.get('content-location');
    const match = location
      ? /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?\/?$/.exec(location)
      : null;
    const found =
      match?.[1] === type && match[2]
        ? await this.read<T>(type as T['resourceType'], match[2])
        : null;
    if (!found)
      throw new EhrError(`The EHR answered ${what} without the resource`, 502, undefined, false);
    return found;
  }

  /** The `next` link, if any; refused when it leaves the EHR's address or goes round in a circle. */
  private nextPage(bundle: Bundle, type: string, seen: Set<string>): string | undefined {
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (!next) return undefined;
    let url: URL;
    try {
      url = new URL(next, `${this.baseUrl}/`);
    } catch {
      throw new EhrError(
        `The EHR's next page link for ${type} is not a URL`,
        502,
        undefined,
        false,
      );
    }
    if (url.origin !== this.origin) {
      throw new EhrError(
        `The EHR's next page link for ${type} points to another address (${url.origin}); not followed`,
        502,
        undefined,
        false,
      );
    }
    if (seen.has(url.href)) {
      throw new EhrError(
        `The EHR's next page link for ${type} repeats a page; not followed`,
        502,
        undefined,
        false,
      );
    }
    return url.href;
  }

  private typeUrl(type: string): string {
    if (!RESOURCE_TYPE.test(type)) throw new EhrError(`"${type}" is not a FHIR resource type`, 400);
    return `${this.baseUrl}/${type}`;
  }

  private resourceUrl(type: string, id: string): string {
    if (!FHIR_ID.test(id)) throw new EhrError('Not a FHIR resource id', 400);
    return `${this.typeUrl(type)}/${id}`;
  }
}

function queryString(params: SearchParams): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) query.append(name, v);
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

function expectResource<T extends Resource>(answer: Answer, type: string, what: string): T {
  const body = answer.body as Resource | undefined;
  if (!answer.json || body?.resourceType !== type) {
    throw new EhrError(
      `The EHR answered ${what} with something other than a ${type}`,
      502,
      undefined,
      false,
    );
  }
  return body as T;
}

/** The resource with the portal's idempotency key as its (only) identifier of that system. */
function withPortalIdentifier<T extends Resource>(resource: T, system: string, key: string): T {
  const current = (resource as { identifier?: unknown }).identifier;
  if (current !== undefined && !Array.isArray(current)) return resource;
  const others = ((current ?? []) as Identifier[]).filter((i) => i.system !== system);
  return { ...resource, identifier: [...others, { system, value: key }] };
}

/** Equal apart from `meta` (which the EHR sets). */
function sameContent(a: Resource, b: Resource): boolean {
  const { meta: _a, ...restA } = a;
  const { meta: _b, ...restB } = b;
  return canonical(restA) === canonical(restB);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
