// Sends one FHIR request with the portal's credentials, a time limit per try,
// and retries with back-off for what is safe to repeat: reads, conditional
// creates (If-None-Exist) and updates (PUT, with or without If-Match).
import { EhrError } from './gateway.ts';
import { type Answer, fetchOnce } from './http.ts';
import { errorFromAnswer } from './outcome.ts';
import { backoffMs, parseRetryAfter, type RetryPolicy, sleep } from './retry.ts';
import type { TokenSource } from './smart-auth.ts';

export const FHIR_JSON = 'application/fhir+json';

/** Pino-compatible; the gateway logs no PHI: method, resource type, status, try, wait. */
export interface GatewayLogger {
  warn(details: object, message: string): void;
}

export interface FhirRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Safe to send twice: the EHR ends up the same either way. */
  idempotent: boolean;
  /** Names the request without PHI, e.g. "PUT Appointment". */
  what: string;
}

export interface TransportSettings {
  timeoutMs: number;
  retry: RetryPolicy;
  auth?: TokenSource;
  log?: GatewayLogger;
}

export class FhirTransport {
  private readonly settings: TransportSettings;
  constructor(settings: TransportSettings) {
    this.settings = settings;
  }

  /** Resolves with a 2xx answer; throws EhrError otherwise. */
  async send(request: FhirRequest): Promise<Answer> {
    const { retry, log } = this.settings;
    let reauthorized = false;
    let attempt = 1;
    for (;;) {
      let failure: EhrError;
      let sent = false;
      try {
        const authorization = await this.settings.auth?.authorization();
        sent = true;
        const answer = await this.exchange(request, authorization);
        if (answer.status === 401 && authorization && !reauthorized) {
          // The token may have been revoked or expired early: get a new one, once.
          reauthorized = true;
          if (this.settings.auth?.refused(authorization)) continue;
        }
        if (answer.status >= 200 && answer.status < 300) return answer;
        failure = answerFailure(request.what, answer);
      } catch (err) {
        if (!(err instanceof EhrError)) throw err;
        failure = err;
      }
      // A failure before sending (the token request) is safe to retry for any request.
      const wait = waitBeforeRetry(failure, attempt, request.idempotent || !sent, retry);
      if (wait === undefined) throw failure;
      log?.warn(
        { ehrRequest: request.what, status: failure.status, attempt, waitMs: wait },
        'EHR request failed; trying again',
      );
      await sleep(wait);
      attempt++;
    }
  }

  private exchange(request: FhirRequest, authorization: string | undefined): Promise<Answer> {
    const headers: Record<string, string> = { accept: FHIR_JSON, ...request.headers };
    if (authorization) headers.authorization = authorization;
    const init: RequestInit = { method: request.method, headers };
    if (request.body !== undefined) {
      headers['content-type'] = `${FHIR_JSON}; charset=utf-8`;
      init.body = JSON.stringify(request.body);
    }
    return fetchOnce(request.url, init, this.settings.timeoutMs, request.what);
  }
}

function answerFailure(what: string, answer: Answer): EhrError {
  if (answer.status >= 300 && answer.status < 400) {
    return new EhrError(
      `The EHR redirected ${what} (${answer.status}); set EHR_FHIR_BASE_URL to the final address`,
      answer.status,
      undefined,
      false,
    );
  }
  return errorFromAnswer(
    what,
    answer.status,
    answer.body,
    parseRetryAfter(answer.headers.get('retry-after')),
  );
}

/** Milliseconds to wait before the next try, or undefined to give up now. */
export function waitBeforeRetry(
  failure: EhrError,
  attempt: number,
  safeToRepeat: boolean,
  policy: RetryPolicy,
): number | undefined {
  if (!failure.retryable || !safeToRepeat || attempt >= policy.maxAttempts) return undefined;
  const asked = failure.retryAfterSeconds;
  if (asked === undefined) return backoffMs(attempt, policy);
  // A long Retry-After goes back to the caller (the outbox waits it out, not a request).
  return asked > policy.maxRetryAfterSeconds ? undefined : asked * 1000;
}
