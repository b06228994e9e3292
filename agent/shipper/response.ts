/**
 * What the collector's answer to a batch means for the shipper (pure), per the contract in
 * lib/wire.ts: a BatchResult splits the events into durable and failed; 401 means the instance
 * token is no longer valid (enroll again); 413 and 400 are about this batch (split it to
 * isolate the culprit); 429/503 are throttling (wait Retry-After); other failures are retried
 * with backoff. Like OpenTelemetry's export results, outcomes are a union, not exceptions.
 */
import { classifyStatus, parseRetryAfterMs } from '../../lib/retry.ts';
import type { BatchResult } from '../../lib/wire.ts';

/** The outcome of one POST /v1/batches. */
export type SendOutcome =
  | { kind: 'result'; durable: Set<string>; failed: Set<string> }
  | { kind: 'unauthorized' }
  | { kind: 'split'; reason: string }
  | { kind: 'retry'; afterMs: number | undefined; reason: string };

/** Classifies an HTTP answer to a batch of `sentIds`. */
export function classifyBatchResponse(
  status: number,
  retryAfter: string | string[] | undefined,
  body: string,
  sentIds: readonly string[],
  nowMs: number,
): SendOutcome {
  if (status === 200) {
    let result: BatchResult;
    try {
      result = JSON.parse(body) as BatchResult;
    } catch {
      return {
        kind: 'retry',
        afterMs: undefined,
        reason: 'the collector answered 200 with a body that is not JSON',
      };
    }
    const durable = new Set<string>([
      ...(result.stored ?? []),
      ...(result.duplicates ?? []),
      ...(result.deadLettered ?? []).map((r) => r.id),
    ]);
    // Anything the answer does not name as durable is sent again: never assume success.
    const failed = new Set(sentIds.filter((id) => !durable.has(id)));
    return { kind: 'result', durable, failed };
  }
  if (status === 401) return { kind: 'unauthorized' };
  if (status === 413 || status === 400) return { kind: 'split', reason: `${status} ${summarize(body)}` };
  const failure = classifyStatus(status);
  const afterMs = failure === 'throttled' ? parseRetryAfterMs(retryAfter, nowMs) : undefined;
  return { kind: 'retry', afterMs, reason: `${status} ${summarize(body)}` };
}

function summarize(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string; error?: { reason?: string } | string };
    const message =
      parsed.message ?? (typeof parsed.error === 'object' ? parsed.error?.reason : parsed.error);
    if (message) return message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 200);
}
