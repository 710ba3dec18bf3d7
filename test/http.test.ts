// The HTTP surface as a client sees it: the clinics API, one error shape for
// every failure, request ids, access declarations, security headers, health,
// metrics, the OpenAPI document and the web app beside the API.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClinics } from '../src/modules/clinics/demo.ts';
import { Clinic, isTimeZone } from '../src/modules/clinics/model.ts';
import { migrationFiles } from '../src/platform/db/migrate.ts';
import { seedDemo } from '../src/seed.ts';
import { type TestApp, testApp } from './support/app.ts';
import { Client } from './support/client.ts';

const THROWN_MESSAGE = 'connection to ledger-7 failed: token=abc123';
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const WELL_FORMED_ID = /^[A-Za-z0-9._-]{8,64}$/;

const Form = Type.Object({
  email: Type.String({ format: 'email' }),
  age: Type.Integer({ minimum: 0 }),
  name: Type.String({ minLength: 1 }),
});

/** Routes only tests need: a validated form and a route with a bug. */
const testRoutes: FastifyPluginAsync = async (scope) => {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/api/test/form', { config: { access: 'public' }, schema: { body: Form } }, (req) => ({
    received: req.body,
  }));
  app.get('/api/test/boom', { config: { access: 'public' } }, async () => {
    throw new Error(THROWN_MESSAGE);
  });
};

let draining = false;
/** The app with the test routes and a draining switch. */
let main: TestApp;
/** The app as production builds it (no test routes), with a metrics token. */
let plain: TestApp;

beforeAll(async () => {
  [main, plain] = await Promise.all([
    testApp({ plugins: [testRoutes], draining: () => draining }),
    testApp({ env: { METRICS_TOKEN } }),
  ]);
  await seedDemo(main.database.db);
});
afterAll(async () => {
  await Promise.all([main?.close(), plain?.close()]);
});

/** Through a browser-like client, so state-changing requests carry the CSRF token. */
const send = (options: InjectOptions | string, app = main) =>
  new Client(app.app).request(typeof options === 'string' ? { url: options } : options);

/** Asserts the API's one error shape and returns its `error` object. */
function expectError(res: LightMyRequestResponse, status: number, code?: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  expect(Object.keys(body.error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(
    true,
  );
  if (code) expect(body.error.code).toBe(code);
  return body.error as { code: string; message: string; details?: unknown };
}

const postForm = (payload: unknown) =>
  send({ method: 'POST', url: '/api/test/form', payload: payload as InjectOptions['payload'] });

describe('clinics API', () => {
  it('lists clinics in the shape of the Clinic schema', async () => {
    const res = await send('/api/clinics');
    expect(res.statusCode).toBe(200);
    const { clinics } = res.json() as { clinics: Clinic[] };
    expect(clinics.length).toBeGreaterThanOrEqual(demoClinics.length);
    for (const clinic of clinics) {
      expect([...Value.Errors(Clinic, clinic)]).toEqual([]);
      expect(Object.keys(clinic).sort()).toEqual(Object.keys(Clinic.properties).sort());
    }
  });

  it('gives the demo clinics distinct IANA time zones and sensible hours', async () => {
    const { clinics } = (await send('/api/clinics')).json() as { clinics: Clinic[] };
    const demo = clinics.filter((c) => demoClinics.some((d) => d.slug === c.slug));
    expect(demo.map((c) => c.slug).sort()).toEqual(demoClinics.map((d) => d.slug).sort());
    const zones = new Set(demo.map((c) => c.timeZone));
    expect(zones.size).toBe(demo.length);
    for (const clinic of demo) {
      expect(isTimeZone(clinic.timeZone), clinic.timeZone).toBe(true);
      expect(clinic.hours.length).toBeGreaterThan(0);
      for (const h of clinic.hours)
        expect(h.opens < h.closes, `${clinic.slug} ${h.weekday}`).toBe(true);
    }
  });

  it('returns one clinic by slug', async () => {
    const slug = demoClinics[0]?.slug ?? '';
    const res = await send(`/api/clinics/${slug}`);
    expect(res.statusCode).toBe(200);
    const { clinic } = res.json() as { clinic: Clinic };
    expect(clinic.slug).toBe(slug);
    expect([...Value.Errors(Clinic, clinic)]).toEqual([]);
  });

  it('answers 404 in the error shape for an unknown clinic', async () => {
    expectError(await send('/api/clinics/no-such-clinic'), 404, 'not_found');
  });

  it('answers 400 naming the field for a malformed slug', async () => {
    const error = expectError(await send('/api/clinics/BAD_SLUG!'), 400, 'validation_failed');
    expect(error.details).toEqual([expect.objectContaining({ field: 'slug' })]);
    expect(error.message).toMatch(/^slug: /);
  });
});

describe('request ids', () => {
  it('are on every response, errors included', async () => {
    for (const url of ['/api/clinics', '/api/nope', '/healthz', '/api/test/boom']) {
      const res = await send(url);
      expect(res.headers['x-request-id'], url).toMatch(WELL_FORMED_ID);
    }
  });

  it('echo a well-formed incoming id', async () => {
    const id = 'lb-7f3a9c2e.trace_01';
    const res = await send({ url: '/api/clinics', headers: { 'x-request-id': id } });
    expect(res.headers['x-request-id']).toBe(id);
  });

  it.each([
    ['spaces', 'not a valid id at all'],
    ['200 characters', 'a'.repeat(200)],
    ['too short', 'abc'],
  ])('replace an id with %s', async (_what, id) => {
    const res = await send({ url: '/api/clinics', headers: { 'x-request-id': id } });
    expect(res.headers['x-request-id']).not.toBe(id);
    expect(res.headers['x-request-id']).toMatch(WELL_FORMED_ID);
  });
});

describe('errors', () => {
  it('name every missing field', async () => {
    const error = expectError(await postForm({}), 400, 'validation_failed');
    const fields = (error.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(Object.keys(Form.properties).sort());
  });

  it('name the field with a bad value', async () => {
    const error = expectError(
      await postForm({ email: 'not-an-address', age: 40, name: 'Ann' }),
      400,
      'validation_failed',
    );
    expect(error.message).toMatch(/^email: /);
    expect(error.details).toEqual([expect.objectContaining({ field: 'email' })]);
  });

  it('let a valid form through', async () => {
    const form = { email: 'ann@example.org', age: 0, name: 'Ann' };
    const res = await postForm(form);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: form });
  });

  it('answer invalid JSON with 400 without quoting the body back', async () => {
    const res = await send({
      method: 'POST',
      url: '/api/test/form',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": Zelda Quintanilla',
    });
    expectError(res, 400);
    expect(res.json().error.message).toBe('The request body is not valid JSON.');
    expect(res.body).not.toContain('Zelda');
  });

  it('answer a body over 1 MiB with 413', async () => {
    const name = 'x'.repeat(1024 * 1024);
    expectError(await postForm({ email: 'ann@example.org', age: 1, name }), 413, 'too_large');
  });

  it('hide the details of an unexpected error and quote the request id', async () => {
    const res = await send('/api/test/boom');
    const error = expectError(res, 500, 'internal_error');
    expect(error.message).toContain(String(res.headers['x-request-id']));
    expect(res.body).not.toContain(THROWN_MESSAGE);
    expect(res.body).not.toContain('ledger-7');
  });

  it('answer an unknown API path with 404 in the error shape', async () => {
    expectError(await send('/api/nope'), 404, 'not_found');
    expectError(await send({ method: 'DELETE', url: '/api/clinics' }), 404, 'not_found');
  });
});

describe('route table', () => {
  // The allow-list of public routes lives in test/access.test.ts.
  it('gives every route an access declaration', () => {
    expect(plain.app.routeTable.length).toBeGreaterThan(0);
    for (const route of [...plain.app.routeTable, ...main.app.routeTable])
      expect(route.access, `${route.method} ${route.url}`).toBeDefined();
  });

  it('gives each HEAD route the access of its GET', () => {
    const table = plain.app.routeTable;
    const gets = new Map(table.filter((r) => r.method === 'GET').map((r) => [r.url, r.access]));
    for (const head of table.filter((r) => r.method === 'HEAD')) {
      const get = gets.get(head.url) ?? gets.get(head.url.replace(/\/$/, ''));
      expect(get, head.url).toBeDefined();
      expect(head.access, head.url).toEqual(get);
    }
  });
});

describe('security headers', () => {
  it.each(['/api/clinics', '/api/nope', '/'])('are set on %s', async (url) => {
    const res = await send(url);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('health', () => {
  it('/healthz says the process is up', async () => {
    const res = await send('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz says ready when the database is current', async () => {
    const res = await send('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready' });
  });

  it('/readyz turns traffic away while draining', async () => {
    draining = true;
    try {
      const error = expectError(await send('/readyz'), 503, 'not_ready');
      expect(error.message).toMatch(/shutting down/);
    } finally {
      draining = false;
    }
    expect((await send('/readyz')).statusCode).toBe(200);
  });

  it('/readyz turns traffic away while a migration is pending', async () => {
    const db = main.database.db;
    const last = migrationFiles().at(-1);
    if (!last) throw new Error('no migrations');
    const row = await db
      .selectFrom('schema_migrations')
      .selectAll()
      .where('version', '=', last.version)
      .executeTakeFirstOrThrow();
    await db.deleteFrom('schema_migrations').where('version', '=', last.version).execute();
    try {
      const error = expectError(await send('/readyz'), 503, 'not_ready');
      expect(error.message).toMatch(/migrations/);
      expect(error.message).toContain(last.version);
    } finally {
      await db.insertInto('schema_migrations').values(row).execute();
    }
    expect((await send('/readyz')).statusCode).toBe(200);
  });
});

describe('metrics', () => {
  const metricsText = async (app: TestApp, headers: Record<string, string> = {}) => {
    const res = await send({ url: '/metrics', headers }, app);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.body;
  };

  it('count requests by route pattern and show the job queue depth', async () => {
    expect((await send('/api/clinics')).statusCode).toBe(200);
    const text = await metricsText(main);
    expect(text).toMatch(/^http_requests_total\{[^}]*route="\/api\/clinics"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^# TYPE job_queue_depth gauge$/m);
  });

  it('label requests by pattern, never by the concrete path', async () => {
    await send('/api/clinics/no-such-clinic');
    const text = await metricsText(main);
    expect(text).toContain('route="/api/clinics/:slug"');
    expect(text).not.toContain('no-such-clinic');
  });

  it('require the bearer token when METRICS_TOKEN is set', async () => {
    expectError(await send('/metrics', plain), 401, 'unauthorized');
    const wrong = await send({ url: '/metrics', headers: { authorization: 'Bearer nope' } }, plain);
    expectError(wrong, 401, 'unauthorized');
    const text = await metricsText(plain, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(text).toContain('http_requests_total');
  });
});

describe('API documentation', () => {
  it('is an OpenAPI 3 document listing the clinics routes', async () => {
    const res = await send('/api/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/clinics', '/api/clinics/{slug}']),
    );
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });
});

describe('web app', () => {
  const INDEX = '<!doctype html><title>Portal test build</title><div id="root"></div>';
  const ASSET = 'console.log("portal test asset");';
  let webRoot: string;
  let web: TestApp;

  beforeAll(async () => {
    webRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-web-'));
    fs.mkdirSync(path.join(webRoot, 'assets'));
    fs.writeFileSync(path.join(webRoot, 'index.html'), INDEX);
    fs.writeFileSync(path.join(webRoot, 'assets', 'app-abc123.js'), ASSET);
    web = await testApp({ webRoot });
  });
  afterAll(async () => {
    await web?.close();
    fs.rmSync(webRoot, { recursive: true, force: true });
  });

  it.each(['/', '/some/client/route'])(
    'serves index.html for %s, never cached stale',
    async (url) => {
      const res = await send(url, web);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toBe(INDEX);
    },
  );

  it('serves hashed assets as immutable', async () => {
    const res = await send('/assets/app-abc123.js', web);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toMatch(/immutable/);
    expect(res.body).toBe(ASSET);
  });

  it('answers a missing asset with 404, not the app page', async () => {
    expectError(await send('/assets/app-old999.js', web), 404, 'not_found');
  });

  it('still answers unknown API paths and non-GET requests with JSON 404', async () => {
    expectError(await send('/api/nope', web), 404, 'not_found');
    expectError(await send({ method: 'POST', url: '/some/client/route' }, web), 404, 'not_found');
  });

  it('declares access on the static routes too', () => {
    for (const route of web.app.routeTable)
      expect(route.access, `${route.method} ${route.url}`).toBeDefined();
  });

  it('tells to run the build when there is no built web app', async () => {
    const res = await send('/');
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
  });
});

describe('rate limit', () => {
  it('answers 429 in the error shape past the per-minute ceiling, for the API only', async () => {
    const limited = await testApp({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      for (let i = 0; i < 3; i++)
        expect((await send('/api/clinics', limited)).statusCode).toBe(200);
      const error = expectError(await send('/api/clinics', limited), 429, 'too_many_requests');
      expect(error.message).toMatch(/try again in \d+ seconds/);
      expect((await send('/healthz', limited)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
