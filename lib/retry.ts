/**
 * kiln's one retry layer. An attempt returns a typed outcome — `ok`, `permanent` or
 * `retryable` with the server's Retry-After when it gave one (the shape of OpenTelemetry's
 * export results) — and `retry` runs attempts until one is final, the attempts run out or the
 * signal aborts, waiting with exponential backoff and full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/) on an injected
 * clock. A caller never wraps a callee that already retries: the one that owns the attempt
 * owns its retries.
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

/** What one attempt came to. */
export type AttemptOutcome<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'permanent'; error: unknown }
  | { kind: 'retryable'; error: unknown; retryAfterMs?: number };

/** The outcome constructors. */
export const outcome = {
  ok: <T>(value: T): AttemptOutcome<T> => ({ kind: 'ok', value }),
  permanent: <T = never>(error: unknown): AttemptOutcome<T> => ({ kind: 'permanent', error }),
  retryable: <T = never>(error: unknown, retryAfterMs?: number): AttemptOutcome<T> => ({
    kind: 'retryable',
    error,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  }),
};

/** Time, injected so retries can be tested without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now(), sleep };

/** How `retry` retries. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default unlimited (until ok, permanent or aborted). */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  /** Stops waiting and attempting; the last outcome is returned. */
  signal?: AbortSignal;
  /** Default systemClock. */
  clock?: Clock;
  /** Jitter source. Default Math.random. */
  random?: () => number;
  /** Told before each wait (for logs and metrics). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

/**
 * Runs `attempt(n)` (n from 0) until it is `ok` or `permanent`, the attempts are spent or the
 * signal aborts, and returns the last outcome. A retryable outcome's `retryAfterMs` replaces
 * the backoff delay for that wait.
 */
export async function retry<T>(
  attempt: (n: number) => Promise<AttemptOutcome<T>>,
  options: RetryOptions = {},
): Promise<AttemptOutcome<T>> {
  const clock = options.clock ?? systemClock;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  for (let n = 0; ; n++) {
    const result = await attempt(n);
    if (result.kind !== 'retryable' || n + 1 >= maxAttempts || options.signal?.aborted) return result;
    const delayMs = result.retryAfterMs ?? backoffDelayMs(n, options.backoff, options.random);
    options.onRetry?.({ attempt: n + 1, delayMs, error: result.error });
    await clock.sleep(delayMs, options.signal);
    if (options.signal?.aborted) return result;
  }
}

/** The value of an `ok` outcome, or its error thrown. */
export function unwrapOutcome<T>(result: AttemptOutcome<T>): T {
  if (result.kind === 'ok') return result.value;
  throw result.error;
}
