// When to try a request to the EHR again, and how long to wait first.

export interface RetryPolicy {
  /** Tries in all, the first included (default 4). */
  maxAttempts: number;
  /** First back-off in ms; doubles with each try (default 250). */
  baseDelayMs: number;
  /** Longest back-off in ms (default 5000). */
  maxDelayMs: number;
  /**
   * A Retry-After longer than this (seconds) is not waited out inside one
   * request: the error goes back to the caller (e.g. the outbox) with
   * `retryAfterSeconds`, to try again later (default 30).
   */
  maxRetryAfterSeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 5000,
  maxRetryAfterSeconds: 30,
};

/**
 * Exponential back-off with jitter for try number `attempt` (1 = the first
 * retry): a random wait between half and all of base·2^(attempt-1), capped,
 * so many clients recovering at once do not arrive together.
 */
export function backoffMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Retry-After as seconds (RFC 9110: delay-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
