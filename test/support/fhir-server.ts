// A FHIR R4 server this project did not write: @medplum/fhir-router's
// in-memory repository behind node:http, so the gateway is tested over real
// HTTP. The REST shell a real EHR puts around its engine (FHIR JSON, ETag and
// Location headers, OperationOutcome errors, `_count`/`_offset` paging with
// `next` links) is the demo EHR's (src/ehr/demo/http-adapter.ts); this adds an
// optional bearer-token check, a SMART discovery document, a request log and
// a fault switch to make it fail or hang.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isOk, unauthorized } from '@medplum/core';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle } from '@medplum/fhirtypes';
import {
  type Answer,
  BodyTooLarge,
  createFhirHandler,
  indexFhirDefinitions,
  outcomeFor,
  outcomeText,
  readBody,
  send,
  serialQueue,
} from '../../src/ehr/demo/http-adapter.ts';
import { withSlotBooking } from '../../src/ehr/demo/slot-booking.ts';

export { indexFhirDefinitions };

export interface FhirServerOptions {
  /** Path the FHIR base sits under (default '/fhir'), as on most real EHRs. */
  basePath?: string;
  /** Search page size when the request gives no `_count` (default 20). */
  pageSize?: number;
  /** Served as `<base>/.well-known/smart-configuration` when set. */
  smartConfiguration?: Record<string, unknown>;
  /** When set, every FHIR request must carry a bearer token this accepts (else 401). */
  acceptToken?: (token: string) => boolean;
  /**
   * Address written into links and Location headers instead of the real one,
   * as a server behind a misconfigured proxy does (tests the client's origin check).
   */
  publicBaseUrl?: string;
  /** Start with this repository (e.g. one already loaded); default a new empty one. */
  repo?: MemoryRepository;
}

/** The fault switch: set `server.faults` and the next requests misbehave, counting down. */
export interface Faults {
  /** Answer this many requests with `status` without doing them. */
  failNext?: number;
  /** Status of the failures (default 503). */
  status?: number;
  /** Seconds sent as Retry-After with the failures. */
  retryAfter?: number;
  /**
   * Hold this many requests without answering. The EHR still does the work
   * once the hold ends (after `hangMs`, or when the client gives up), but the
   * answer is lost: the case an idempotency key is for.
   */
  hangNext?: number;
  /** How long a held request waits before it is done (default: until the client disconnects). */
  hangMs?: number;
}

export interface LoggedRequest {
  method: string;
  /** Path and query as received, e.g. '/fhir/Patient?identifier=x'. */
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Date.now() when the request arrived. */
  at: number;
  /** What was done with it: 'ok' (answered), 'failed' or 'hung' by the fault switch. */
  outcome: 'ok' | 'failed' | 'hung';
}

export interface FhirServer {
  /** e.g. http://127.0.0.1:41234/fhir (no trailing slash). */
  baseUrl: string;
  repo: MemoryRepository;
  /** Every request in arrival order. */
  requests: LoggedRequest[];
  faults: Faults;
  /** Loads a transaction or batch Bundle (e.g. a Synthea patient) straight into the repository. */
  load(bundle: Bundle): Promise<Bundle>;
  close(): Promise<void>;
}

export async function startFhirServer(options: FhirServerOptions = {}): Promise<FhirServer> {
  indexFhirDefinitions();
  const basePath = (options.basePath ?? '/fhir').replace(/\/+$/, '');
  const repo = options.repo ?? new MemoryRepository();
  const router = new FhirRouter();
  const requests: LoggedRequest[] = [];
  const holds = new Set<NodeJS.Timeout>();
  const serially = serialQueue();
  const state = {} as FhirServer;
  state.faults = {};
  // Like a real EHR's scheduler: an Appointment takes its Slot, or is refused with 409.
  const handle = withSlotBooking(
    createFhirHandler({
      repo,
      router,
      baseUrl: () => options.publicBaseUrl ?? state.baseUrl,
      pageSize: options.pageSize ?? 20,
    }),
    repo,
  );

  /** The fault switch, the base path, discovery and the token check; then the FHIR call. */
  async function answer(req: http.IncomingMessage, body: string): Promise<Answer> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))
      return [404, outcomeFor(404, `The FHIR base is ${basePath}`)];
    const path = url.pathname.slice(basePath.length) || '/';
    if (path === '/.well-known/smart-configuration' && options.smartConfiguration)
      return [200, options.smartConfiguration];
    if (options.acceptToken && !bearerAccepted(req.headers.authorization, options.acceptToken))
      return [401, unauthorized, { 'www-authenticate': 'Bearer' }];
    const call = {
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    return serially(() => handle(call));
  }

  const server = http.createServer((req, res) => {
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      at: Date.now(),
      outcome: 'ok',
    };
    requests.push(entry);
    const faults = state.faults;
    if ((faults.failNext ?? 0) > 0) {
      faults.failNext = (faults.failNext ?? 0) - 1;
      entry.outcome = 'failed';
      req.resume();
      send(res, failure(faults));
      return;
    }
    const hang = (faults.hangNext ?? 0) > 0;
    if (hang) {
      faults.hangNext = (faults.hangNext ?? 0) - 1;
      entry.outcome = 'hung';
    }
    readBody(req)
      .then(async (body) => {
        if (hang) await holdUntil(res, faults.hangMs, holds);
        const answered = await answer(req, body);
        if (!res.destroyed) send(res, answered);
      })
      .catch((err: unknown) => {
        if (res.headersSent || res.destroyed) return;
        if (err instanceof BodyTooLarge)
          return send(res, [413, outcomeFor(413, 'The request body is too large')]);
        send(res, [500, outcomeFor(500, String(err))]);
      });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.baseUrl = `http://127.0.0.1:${port}${basePath}`;
  state.repo = repo;
  state.requests = requests;
  state.load = async (bundle) => {
    const [outcome, result] = await serially(() =>
      router.handleRequest(
        { method: 'POST', url: '/', pathname: '', body: bundle, params: {}, query: {} },
        repo,
      ),
    );
    if (!isOk(outcome) || !result)
      throw new Error(`Loading the bundle failed: ${outcomeText(outcome)}`);
    return result as Bundle;
  };
  state.close = async () => {
    for (const hold of holds) clearTimeout(hold);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

function failure(faults: Faults): Answer {
  const status = faults.status ?? 503;
  const text = status >= 500 || status === 429 ? 'The EHR is not available right now' : 'Refused';
  const headers: Record<string, string> =
    faults.retryAfter !== undefined ? { 'retry-after': String(faults.retryAfter) } : {};
  return [status, outcomeFor(status, text), headers];
}

/** Waits `ms`, or until the client hangs up when no time is given. */
function holdUntil(
  res: http.ServerResponse,
  ms: number | undefined,
  holds: Set<NodeJS.Timeout>,
): Promise<void> {
  return new Promise((resolve) => {
    if (ms === undefined) {
      res.on('close', () => resolve());
      return;
    }
    const timer = setTimeout(() => {
      holds.delete(timer);
      resolve();
    }, ms);
    holds.add(timer);
  });
}

function bearerAccepted(header: string | undefined, accept: (token: string) => boolean): boolean {
  const match = /^Bearer (\S+)$/i.exec(header ?? '');
  return !!match?.[1] && accept(match[1]);
}
