// SMART Backend Services against a local token endpoint that checks the
// client assertion with jose and the public key: algorithm, issuer, subject,
// audience, a lifetime of at most five minutes and a fresh jti each time;
// discovery; and one access token reused until it expires.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Patient } from '@medplum/fhirtypes';
import { decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createGateway, type FhirClient } from '../src/ehr/gateway/fhir-client.ts';
import { EhrError } from '../src/ehr/gateway/gateway.ts';
import { CLIENT_ASSERTION_TYPE } from '../src/ehr/gateway/smart-auth.ts';
import { type FhirServer, startFhirServer } from './support/fhir-server.ts';

const CLIENT_ID = 'patient-portal-pilot';
type Alg = 'RS384' | 'ES384';

interface TokenRequest {
  form: URLSearchParams;
  header: ReturnType<typeof decodeProtectedHeader>;
  claims: JWTPayload;
}

interface TokenEndpoint {
  url: string;
  requests: TokenRequest[];
  /** Tokens it issued that have not expired. */
  valid(token: string): boolean;
  /** How long its tokens last (seconds). */
  expiresIn: number;
  /** Answer the next `times` requests (default all) with this error. */
  refuse?: { status: number; error: string; times?: number };
  close(): Promise<void>;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close();
});

function keyPair(alg: Alg): { privatePem: string; publicKey: crypto.KeyObject } {
  const { privateKey, publicKey } =
    alg === 'RS384'
      ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
      : crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

/** A token endpoint that issues a token only for a valid assertion signed by `publicKey`'s pair. */
async function startTokenEndpoint(publicKey: crypto.KeyObject, alg: Alg): Promise<TokenEndpoint> {
  const issued = new Map<string, number>();
  let count = 0;
  const endpoint = { requests: [] as TokenRequest[], expiresIn: 300 } as TokenEndpoint;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const reply = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const refuse = endpoint.refuse;
    if (refuse && (refuse.times === undefined || refuse.times-- > 0)) {
      return reply(refuse.status, { error: refuse.error });
    }
    const assertion = form.get('client_assertion') ?? '';
    try {
      const { payload } = await jwtVerify(assertion, publicKey, {
        algorithms: [alg],
        issuer: CLIENT_ID,
        subject: CLIENT_ID,
        audience: endpoint.url,
      });
      endpoint.requests.push({ form, header: decodeProtectedHeader(assertion), claims: payload });
    } catch (err) {
      return reply(401, { error: 'invalid_client', error_description: (err as Error).message });
    }
    const token = `access-${++count}`;
    issued.set(token, Date.now() + endpoint.expiresIn * 1000);
    reply(200, {
      access_token: token,
      token_type: 'bearer',
      expires_in: endpoint.expiresIn,
      scope: form.get('scope'),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  endpoint.valid = (token) => (issued.get(token) ?? 0) > Date.now();
  endpoint.close = () => new Promise((resolve) => server.close(() => resolve()));
  cleanup.push(() => endpoint.close());
  return endpoint;
}

interface Setup {
  ehr: FhirServer;
  tokens: TokenEndpoint;
  gateway: FhirClient;
  patient: Patient & { id: string };
}

async function setUp(
  alg: Alg,
  options: { discover?: boolean; accept?: (token: string, tokens: TokenEndpoint) => boolean } = {},
): Promise<Setup> {
  const { privatePem, publicKey } = keyPair(alg);
  const tokens = await startTokenEndpoint(publicKey, alg);
  const accept = options.accept ?? ((token, t) => t.valid(token));
  const ehr = await startFhirServer({
    smartConfiguration: {
      token_endpoint: tokens.url,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      capabilities: ['client-confidential-asymmetric'],
    },
    acceptToken: (token) => accept(token, tokens),
  });
  cleanup.push(() => ehr.close());
  const config = loadConfig({
    EHR_FHIR_BASE_URL: ehr.baseUrl,
    EHR_AUTH: 'smart-backend',
    EHR_CLIENT_ID: CLIENT_ID,
    EHR_PRIVATE_KEY: privatePem,
    EHR_KEY_ID: `portal-${alg.toLowerCase()}`,
    EHR_TOKEN_URL: options.discover === false ? tokens.url : undefined,
    EHR_SCOPE: 'system/Patient.read system/Appointment.write',
  });
  const gateway = createGateway(config.ehr, { retry: { baseDelayMs: 5, maxDelayMs: 20 } });
  const patient = await ehr.repo.createResource<Patient>({
    resourceType: 'Patient',
    name: [{ family: 'Moreau' }],
  });
  return { ehr, tokens, gateway, patient };
}

const discoveries = (ehr: FhirServer) =>
  ehr.requests.filter((r) => r.url.endsWith('/.well-known/smart-configuration'));
const fhirCalls = (ehr: FhirServer) =>
  ehr.requests.filter((r) => !r.url.endsWith('/.well-known/smart-configuration'));

describe.each(['RS384', 'ES384'] as const)('the client assertion signed with %s', (alg) => {
  it('carries the claims SMART requires and buys a token the EHR accepts', async () => {
    const { ehr, tokens, gateway, patient } = await setUp(alg);
    const before = Math.floor(Date.now() / 1000);
    expect((await gateway.read<Patient>('Patient', patient.id))?.id).toBe(patient.id);

    expect(tokens.requests).toHaveLength(1);
    const [{ form, header, claims }] = tokens.requests as [TokenRequest];
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_assertion_type')).toBe(CLIENT_ASSERTION_TYPE);
    expect(form.get('scope')).toBe('system/Patient.read system/Appointment.write');
    expect(header).toMatchObject({ alg, typ: 'JWT', kid: `portal-${alg.toLowerCase()}` });
    expect(claims).toMatchObject({ iss: CLIENT_ID, sub: CLIENT_ID, aud: tokens.url });
    const { exp = 0, iat = 0, jti } = claims;
    expect(exp - iat).toBeLessThanOrEqual(300);
    expect(exp).toBeGreaterThan(before);
    expect(jti).toEqual(expect.any(String));

    expect(discoveries(ehr)).toHaveLength(1);
    expect(fhirCalls(ehr).map((r) => r.headers.authorization)).toEqual(['Bearer access-1']);
  });
});

describe('tokens', () => {
  it('uses EHR_TOKEN_URL when set, without discovery', async () => {
    const { ehr, tokens, gateway, patient } = await setUp('ES384', { discover: false });
    await gateway.read('Patient', patient.id);
    expect(tokens.requests).toHaveLength(1);
    expect(discoveries(ehr)).toHaveLength(0);
  });

  it('reuses one token until it expires, then fetches one new token for many waiting requests', async () => {
    const { ehr, tokens, gateway, patient } = await setUp('RS384');
    tokens.expiresIn = 1;
    for (let i = 0; i < 3; i++) await gateway.read('Patient', patient.id);
    expect(tokens.requests).toHaveLength(1);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    await Promise.all(Array.from({ length: 5 }, () => gateway.read('Patient', patient.id)));
    expect(tokens.requests).toHaveLength(2);
    const jtis = tokens.requests.map((r) => r.claims.jti);
    expect(new Set(jtis).size).toBe(2);
    expect(fhirCalls(ehr).map((r) => r.headers.authorization)).toEqual([
      ...Array(3).fill('Bearer access-1'),
      ...Array(5).fill('Bearer access-2'),
    ]);
    expect(fhirCalls(ehr).every((r) => r.outcome === 'ok')).toBe(true);
  });

  it('fetches a new token once when the EHR answers 401, then carries on', async () => {
    // The EHR has revoked the first token before its time.
    const { ehr, tokens, gateway, patient } = await setUp('RS384', {
      accept: (token, t) => token !== 'access-1' && t.valid(token),
    });
    expect((await gateway.read<Patient>('Patient', patient.id))?.id).toBe(patient.id);
    expect(tokens.requests).toHaveLength(2);
    expect(fhirCalls(ehr).map((r) => r.headers.authorization)).toEqual([
      'Bearer access-1',
      'Bearer access-2',
    ]);
  });

  it('stops after one new token when the EHR refuses that one too', async () => {
    const { ehr, tokens, gateway, patient } = await setUp('RS384', { accept: () => false });
    const err = await gateway.read('Patient', patient.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EhrError);
    expect(err).toMatchObject({ status: 401, retryable: false });
    expect(tokens.requests).toHaveLength(2);
    expect(fhirCalls(ehr)).toHaveLength(2);
  });

  it('reports a refused client clearly and does not retry it', async () => {
    const { ehr, tokens, gateway, patient } = await setUp('ES384');
    tokens.refuse = { status: 400, error: 'invalid_client' };
    const err = await gateway.read('Patient', patient.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EhrError);
    expect(err).toMatchObject({ status: 400, retryable: false });
    expect((err as Error).message).toMatch(/token endpoint answered 400 \(invalid_client\)/);
    expect(fhirCalls(ehr)).toHaveLength(0);
  });

  it('retries the token request when the token endpoint is briefly unavailable', async () => {
    const { ehr, tokens, gateway, patient } = await setUp('ES384');
    tokens.refuse = { status: 503, error: 'temporarily_unavailable', times: 2 };
    expect((await gateway.read<Patient>('Patient', patient.id))?.id).toBe(patient.id);
    expect(tokens.requests).toHaveLength(1);
    expect(fhirCalls(ehr)).toHaveLength(1);
  });
});
