/**
 * The one retry helper every part shares (agent shipper, bulk writer, webhook):
 * exponential backoff with full jitter, Retry-After honoured, and a status classifier.
 * See https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/ for full jitter.
 */

/** Backoff settings; units in names. */
export interface BackoffOptions {
  /** First delay ceiling. Default 200 ms. */
  baseMs?: number;
  /** Largest delay. Default 30 000 ms. */
  maxMs?: number;
}

/** Delay before retry number `attempt` (0-based): uniform in [0, min(max, base * 2^attempt)]. */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = options.baseMs ?? 200;
  const max = options.maxMs ?? 30_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Parses an HTTP Retry-After header (delta-seconds or an HTTP date) into milliseconds,
 * or undefined when absent or unreadable. https://www.rfc-editor.org/rfc/rfc9110#name-retry-after
 */
export function parseRetryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** What to do with a failed HTTP exchange. */
export type FailureClass = 'throttled' | 'retryable' | 'permanent';

/** 429 and 503 are throttling (wait for Retry-After), other 5xx and 408 retryable, other 4xx permanent. */
export function classifyStatus(status: number): FailureClass {
  if (status === 429 || status === 503) return 'throttled';
  if (status === 408 || status >= 500) return 'retryable';
  return 'permanent';
}

/** Sleeps `ms`, resolving early (without error) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
