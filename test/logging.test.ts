// Proof that logs carry no protected health information: a patient's details
// sent in the body, the query string, headers and a cookie, through a success,
// a validation failure, a crash in careless code and an unknown path, leave
// no trace in the log, while the log still says what happened.
import { Writable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, InjectOptions } from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/platform/http/logging.ts';
import { type TestApp, testApp } from './support/app.ts';
import { Client } from './support/client.ts';

const PATIENT = {
  name: 'Zelda Quintanilla-Xu',
  birthDate: '1961-07-23',
  email: 'zelda.q@example.org',
  phone: '+1-555-0199-7731',
  message: 'my chest hurts after the new pills',
};

const INTAKE = '/api/test/intake';

const Intake = Type.Object({
  name: Type.String({ minLength: 1 }),
  birthDate: Type.String({ format: 'date' }),
  email: Type.String({ format: 'email' }),
  phone: Type.String({ pattern: '^\\+?[0-9-]{7,20}$' }),
  message: Type.String({ maxLength: 2000 }),
  outcome: Type.Union([Type.Literal('ok'), Type.Literal('crash')]),
});

/** An intake form whose handler is as careless as real code can be. */
const intakeRoutes: FastifyPluginAsync = async (scope) => {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  app.post(INTAKE, { config: { access: 'public' }, schema: { body: Intake } }, async (req) => {
    const p = req.body;
    if (p.outcome === 'crash')
      throw new Error(
        `could not file intake for ${p.name} <${p.email}>, born ${p.birthDate}, phone ${p.phone}: ${p.message}`,
      );
    return { received: true };
  });
};

/** Every spelling of each detail that could reach a log: as is, lower case, URL-encoded. */
function forbiddenStrings(): string[] {
  const values = Object.values(PATIENT);
  const words = ['zelda', 'quintanilla', '555-0199', 'chest hurts', 'new pills'];
  const forms = values.flatMap((v) => [
    v,
    encodeURIComponent(v),
    new URLSearchParams({ v }).toString().slice(2),
    JSON.stringify(v).slice(1, -1),
  ]);
  return [...new Set([...forms, ...words].map((s) => s.toLowerCase()))];
}

function expectNoPatientData(text: string) {
  const lower = text.toLowerCase();
  const found = forbiddenStrings().filter((s) => lower.includes(s));
  expect(found, `personal data in the log:\n${text}`).toEqual([]);
}

/** The patient's details in the query string, headers and a cookie too. */
function carrying(options: { method?: 'GET' | 'POST'; url: string; payload?: object }) {
  const query = new URLSearchParams(PATIENT).toString();
  return {
    method: options.method ?? 'POST',
    url: `${options.url}?${query}`,
    headers: {
      'x-patient-name': PATIENT.name,
      'x-patient-email': PATIENT.email,
      cookie: `patient=${encodeURIComponent(PATIENT.name)}; dob=${PATIENT.birthDate}`,
      referer: `https://portal.example.org/intake?${query}`,
    },
    payload: options.payload,
  } satisfies InjectOptions;
}

describe('request logs', () => {
  let t: TestApp;
  const statuses: Record<string, number> = {};
  let crashId = '';

  beforeAll(async () => {
    t = await testApp({ plugins: [intakeRoutes] });
    const client = new Client(t.app);
    const send = async (what: string, options: InjectOptions) => {
      const res = await client.request(options);
      statuses[what] = res.statusCode;
      return res;
    };
    await send('accepted', carrying({ url: INTAKE, payload: { ...PATIENT, outcome: 'ok' } }));
    // Invalid values that are themselves personal data: the name as e-mail, the complaint as a date.
    const invalid = { ...PATIENT, email: PATIENT.name, birthDate: PATIENT.message, outcome: 'ok' };
    await send('invalid', carrying({ url: INTAKE, payload: invalid }));
    await send('unparsable', {
      ...carrying({ url: INTAKE }),
      headers: { 'content-type': 'application/json' },
      payload: `{"name": ${PATIENT.name}, "email": "${PATIENT.email}"`,
    });
    const crash = await send(
      'crashed',
      carrying({ url: INTAKE, payload: { ...PATIENT, outcome: 'crash' } }),
    );
    crashId = String(crash.headers['x-request-id']);
    const path = `/api/patients/${encodeURIComponent(PATIENT.name)}/${PATIENT.birthDate}`;
    await send('unknown', carrying({ method: 'GET', url: path }));
  });
  afterAll(() => t?.close());

  it('went through every path: success, validation, bad JSON, crash, not found', () => {
    expect(statuses).toEqual({
      accepted: 200,
      invalid: 400,
      unparsable: 400,
      crashed: 500,
      unknown: 404,
    });
  });

  it('still say what happened, by route pattern and status', () => {
    const lines = t
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    // The client's own GET /api/session (for its CSRF token) is left out.
    const ids = new Set(
      lines
        .filter((l) => (l.req as { route?: string })?.route === '/api/session')
        .map((l) => l.reqId),
    );
    const completed = lines.filter((l) => l.msg === 'request completed' && !ids.has(l.reqId));
    expect(completed).toHaveLength(Object.keys(statuses).length);
    expect(completed.map((l) => (l.res as { statusCode: number }).statusCode).sort()).toEqual(
      Object.values(statuses).sort(),
    );
    expect(t.logs()).toContain(`"route":"${INTAKE}"`);
    const crash = lines.find((l) => l.msg === 'unexpected error');
    expect(crash?.reqId).toBe(crashId);
    expect(crash?.err).toMatchObject({ type: 'Error', stack: expect.stringContaining(' at ') });
  });

  it('contain none of the patient details, in any spelling', () => {
    expectNoPatientData(t.logs());
  });
});

describe('createLogger', () => {
  /** A logger writing to memory, and the lines it wrote. */
  function memoryLogger() {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger('info', sink);
    const text = () => lines.join('');
    const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    return { logger, text, parsed };
  }

  const databaseError = () =>
    Object.assign(new Error('invalid input syntax for type uuid: "Zelda"'), {
      severity: 'ERROR',
      code: '22P02',
      detail: `Key (email)=(${PATIENT.email})`,
    });

  it('redacts personal fields of a logged object', () => {
    const { logger, parsed, text } = memoryLogger();
    const { name, email, birthDate } = PATIENT;
    logger.info({ patient: { name, email, birthDate }, clinic: 'riverside' }, 'intake saved');
    expect(parsed()[0]).toMatchObject({
      msg: 'intake saved',
      clinic: 'riverside',
      patient: { name: '[redacted]', email: '[redacted]', birthDate: '[redacted]' },
    });
    expectNoPatientData(text());
  });

  it('redacts personal fields logged at the top level', () => {
    const { logger, parsed, text } = memoryLogger();
    logger.info({ email: PATIENT.email, phone: PATIENT.phone, clinic: 'riverside' }, 'link sent');
    expect(parsed()[0]).toMatchObject({ email: '[redacted]', phone: '[redacted]' });
    expectNoPatientData(text());
  });

  it('keeps the code of a database error but not its values or detail', () => {
    const { logger, parsed, text } = memoryLogger();
    logger.error({ err: databaseError() }, 'query failed');
    const line = parsed()[0];
    expect(line?.err).toMatchObject({ code: '22P02', message: expect.stringContaining('uuid') });
    expect(text()).not.toContain('Zelda');
    expect(text()).not.toContain('Key (email)');
    expectNoPatientData(text());
  });

  it('never copies an error message into the line, however the error is logged', () => {
    const { logger, parsed, text } = memoryLogger();
    const careless = new Error(`no chart for ${PATIENT.name}, born ${PATIENT.birthDate}`);
    logger.error({ err: careless });
    logger.error(careless);
    logger.error({ error: databaseError() }, 'under another key');
    logger.error(databaseError());
    expect(parsed()).toHaveLength(4);
    for (const line of parsed()) expect(line.msg).toEqual(expect.any(String));
    expectNoPatientData(text());
  });
});
