// Walking the app's routes in tests: each route's request-body schema (from
// the OpenAPI document the routes generate), a valid-looking sample body,
// and URLs with their parameters filled in.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { RouteEntry } from '../../src/platform/http/access.ts';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  items?: JsonSchema;
  minItems?: number;
  minProperties?: number;
}

interface OpenApi {
  paths: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
  >;
}

/** The routes as callable entries: HEAD twins and the web app's catch-all left out. */
export function apiRoutes(app: FastifyInstance): RouteEntry[] {
  return app.routeTable.filter((r) => r.method !== 'HEAD' && r.url.startsWith('/api/'));
}

/** The JSON body schema a route declares, if any. */
export function bodySchema(app: FastifyInstance, route: RouteEntry): JsonSchema | undefined {
  const doc = app.swagger() as unknown as OpenApi;
  const path = route.url.replace(/:(\w+)/g, '{$1}');
  return doc.paths[path]?.[route.method.toLowerCase()]?.requestBody?.content?.['application/json']
    ?.schema;
}

const PATTERN_CANDIDATES = ['AAAA', 'a', '0', '1', '000000', 'aaaa-aaaa-aaaa'];

/** A value the schema accepts, as a form would fill it: required fields only. */
export function sample(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const choice = schema.anyOf ?? schema.oneOf;
  if (choice?.[0]) return sample(choice.find((s) => s.type !== 'null') ?? choice[0]);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => sample(s)));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      // Required fields, then optional ones while the schema wants more (a PATCH needs one).
      const optional = Object.keys(schema.properties ?? {}).filter(
        (k) => !schema.required?.includes(k),
      );
      const keys = [...(schema.required ?? [])];
      while (keys.length < (schema.minProperties ?? 0) && optional.length)
        keys.push(optional.shift() as string);
      return Object.fromEntries(keys.map((k) => [k, sample(schema.properties?.[k] ?? {})]));
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items ?? {}));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return sampleString(schema);
  }
}

function sampleString(schema: JsonSchema): string {
  switch (schema.format) {
    case 'email':
      return 'sample.person@example.org';
    case 'date':
      return '2000-01-01';
    case 'date-time':
      return new Date(Date.now() + 30 * 86_400_000).toISOString();
    case 'uuid':
      return randomUUID();
  }
  if (schema.pattern) {
    const re = new RegExp(schema.pattern);
    const found = PATTERN_CANDIDATES.find((c) => re.test(c));
    if (found) return found;
  }
  return 'x'.repeat(Math.min(Math.max(schema.minLength ?? 1, 12), schema.maxLength ?? 12));
}

/** The URL with each :param taken from `params`, or a random uuid. */
export const fillPath = (url: string, params: Record<string, string>) =>
  url.replace(/:(\w+)/g, (_, name: string) => params[name] ?? randomUUID());

/** Whether a route's access lets a patient or proxy through the guard. */
export function admitsPatients(route: RouteEntry): boolean {
  const a = route.access;
  if (!a) return false;
  if (typeof a === 'string') return true;
  return a.roles.includes('patient') || a.roles.includes('proxy');
}
