// The built-in demo EHR: a real FHIR R4 REST server (node:http) in the
// portal's process, on its own loopback port, with @medplum/fhir-router's
// in-memory repository. The portal reaches it only over HTTP through the EHR
// gateway, exactly as it reaches a real EHR. First start loads the Synthea
// fixtures; later starts load the saved state (DATA_DIR/demo-ehr/). Another
// portal instance on the same DATA_DIR uses the running one instead of
// starting a second. No authentication: it listens on 127.0.0.1 only.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { FhirRouter } from '@medplum/fhir-router';
import { UserError } from '../../platform/errors.ts';
import { directoryResources } from './directory.ts';
import { createMissing, loadFixtures } from './fixtures.ts';
import {
  type Answer,
  BodyTooLarge,
  createFhirHandler,
  type FhirCall,
  indexFhirDefinitions,
  outcomeFor,
  readBody,
  send,
  serialQueue,
} from './http-adapter.ts';
import { DemoRepository } from './repository.ts';
import { withSlotBooking } from './slot-booking.ts';
import { topUpSlots } from './slots.ts';
import { DemoEhrStore } from './store.ts';

export const BASE_PATH = '/fhir';
const PAGE_SIZE = 50;
const TOP_UP_EVERY_MS = 6 * 60 * 60 * 1000;

export interface DemoEhrLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DemoEhrOptions {
  /** The portal's DATA_DIR; the state lives in its demo-ehr/ folder. */
  dataDir: string;
  /** 0 (default) = any free port. */
  port?: number;
  host?: string;
  log: DemoEhrLog;
  /** The clock (tests move it). */
  now?: () => Date;
}

export interface DemoEhr {
  /** e.g. http://127.0.0.1:41234/fhir (no trailing slash). */
  baseUrl: string;
  /** False when another process on the same DATA_DIR runs it and this one only uses it. */
  owner: boolean;
  /** Stops listening and saves the state (only the owner). */
  close(): Promise<void>;
}

/** How long to wait for the process holding the folder to answer. */
const WAIT_FOR_OWNER_MS = 30_000;

export async function startDemoEhr(options: DemoEhrOptions): Promise<DemoEhr> {
  const started = performance.now();
  const { log, host = '127.0.0.1', port = 0 } = options;
  const now = options.now ?? (() => new Date());
  const repo = new DemoRepository();
  const serially = serialQueue();
  const store = new DemoEhrStore(path.join(options.dataDir, 'demo-ehr'), repo, serially, log);
  const running = await runningElsewhere(store, log);
  if (running) return running;
  let server: http.Server | undefined;
  try {
    indexFhirDefinitions();
    const state = await loadState(repo, store, now());
    let baseUrl = '';
    const handle = withSlotBooking(
      createFhirHandler({
        repo,
        router: new FhirRouter(),
        baseUrl: () => baseUrl,
        pageSize: PAGE_SIZE,
        onWrite: () => store.changed(),
      }),
      repo,
    );
    server = http.createServer((req, res) =>
      serve(req, res, (call) => serially(() => handle(call)), log),
    );
    await listen(server, port, host);
    const address = server.address() as AddressInfo;
    baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}${BASE_PATH}`;
    store.announce(baseUrl);
    const topUp = setInterval(() => {
      serially(() => topUpSlots(repo, now()))
        .then((r) => (r.added || r.removed ? store.changed() : undefined))
        .catch((err: unknown) => log.error({ err }, 'demo EHR: topping up slots failed'));
    }, TOP_UP_EVERY_MS);
    topUp.unref();
    log.info(
      { url: baseUrl, ...state, ms: Math.round(performance.now() - started) },
      'demo EHR started',
    );
    const listening = server;
    let closing: Promise<void> | undefined;
    const close = async () => {
      clearInterval(topUp);
      listening.closeAllConnections();
      await new Promise<void>((resolve) => listening.close(() => resolve()));
      try {
        await store.save();
      } finally {
        store.unlock();
      }
    };
    return { baseUrl, owner: true, close: () => (closing ??= close()) };
  } catch (err) {
    server?.close();
    store.unlock();
    throw err;
  }
}

/** The saved state, or the fixtures on a first start; then the directory and slots brought up to date. */
async function loadState(repo: DemoRepository, store: DemoEhrStore, now: Date) {
  const fresh = !store.exists();
  const loaded = fresh ? await loadFixtures(repo, now) : await store.load();
  const added = await createMissing(repo, directoryResources());
  const slots = await topUpSlots(repo, now);
  if (fresh || added || slots.added || slots.removed) store.changed();
  return {
    from: fresh ? 'fixtures' : store.file,
    resources: loaded + added + slots.added,
    slotsAdded: slots.added,
    slotsRemoved: slots.removed,
  };
}

/** One HTTP request: under the FHIR base, through the router; errors as OperationOutcome. */
function serve(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  handle: (call: FhirCall) => Promise<Answer>,
  log: DemoEhrLog,
): void {
  readBody(req)
    .then(async (body) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== BASE_PATH && !url.pathname.startsWith(`${BASE_PATH}/`))
        return send(res, [404, outcomeFor(404, `The FHIR base is ${BASE_PATH}`)]);
      const path = url.pathname.slice(BASE_PATH.length) || '/';
      const method = req.method ?? 'GET';
      send(
        res,
        await handle({ method, path, query: url.searchParams, headers: req.headers, body }),
      );
    })
    .catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof BodyTooLarge)
        return send(res, [413, outcomeFor(413, 'The request body is too large')]);
      log.error({ err }, 'demo EHR: a request failed');
      send(res, [500, outcomeFor(500, 'The demo EHR failed to answer')]);
    });
}

/**
 * Undefined once this process owns the folder; the demo EHR that the
 * process owning it serves, once that answers; an error if it never does.
 */
async function runningElsewhere(
  store: DemoEhrStore,
  log: DemoEhrLog,
): Promise<DemoEhr | undefined> {
  const deadline = Date.now() + WAIT_FOR_OWNER_MS;
  for (;;) {
    const holder = store.tryLock();
    if (!holder) return undefined;
    if (holder.url && (await answers(holder.url))) {
      log.info(
        { url: holder.url, pid: holder.pid },
        'demo EHR: using the one another process runs on this DATA_DIR',
      );
      return { baseUrl: holder.url, owner: false, close: async () => {} };
    }
    if (Date.now() > deadline)
      throw new UserError(
        `The demo EHR in ${store.dir} belongs to process ${holder.pid || '(unknown)'}, which does not answer; stop that process (or delete ${store.lockFile} if no portal runs), or set DATA_DIR to another folder.`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function answers(baseUrl: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl}/metadata`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
