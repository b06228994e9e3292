/**
 * What the collector's answer to a batch means for the shipper (pure), per the contract in
 * lib/wire.ts: a BatchResult splits the events into durable and failed; 401 means the instance
 * token is no longer valid (enroll again); 415 that the collector does not read the batch's
 * compression (send gzip); 413 and 400 are about this batch (split it to
 * isolate the culprit); 429/503 are throttling (wait Retry-After); other failures are retried
 * with backoff. Like OpenTelemetry's export results, outcomes are a union, not exceptions.
 */
import { classifyStatus, parseRetryAfterMs } from '../../lib/retry.ts';
import type { BatchAck, BatchResult } from '../../lib/wire.ts';

/** The outcome of one POST /v1/batches. */
export type SendOutcome =
  | { kind: 'result'; durable: Set<string>; failed: Set<string> }
  | { kind: 'unauthorized' }
  | { kind: 'split'; reason: string }
  | { kind: 'retry'; afterMs: number | undefined; reason: string }
  | { kind: 'unsupported-encoding'; reason: string };

/** Classifies an HTTP answer to a batch of `sentIds`. */
export function classifyBatchResponse(
  status: number,
  retryAfter: string | string[] | undefined,
  body: string,
  sentIds: readonly string[],
  nowMs: number,
): SendOutcome {
  if (status === 200) {
    let result: Partial<BatchResult & BatchAck>;
    try {
      result = JSON.parse(body) as Partial<BatchResult & BatchAck>;
    } catch {
      return {
        kind: 'retry',
        afterMs: undefined,
        reason: 'the collector answered 200 with a body that is not JSON',
      };
    }
    if (typeof result.events === 'number') return fromCompactAck(result, sentIds);
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
  if (status === 415) return { kind: 'unsupported-encoding', reason: `415 ${summarize(body)}` };
  if (status === 413 || status === 400) return { kind: 'split', reason: `${status} ${summarize(body)}` };
  const failure = classifyStatus(status);
  const afterMs = failure === 'throttled' ? parseRetryAfterMs(retryAfter, nowMs) : undefined;
  return { kind: 'retry', afterMs, reason: `${status} ${summarize(body)}` };
}

/**
 * A compact answer names only the failed events; it must cover exactly the events sent, or
 * nothing in it is believed and the whole batch is sent again.
 */
function fromCompactAck(ack: Partial<BatchAck>, sentIds: readonly string[]): SendOutcome {
  if (ack.events !== sentIds.length) {
    return {
      kind: 'retry',
      afterMs: undefined,
      reason: `the collector's answer covers ${ack.events} events, not the ${sentIds.length} sent`,
    };
  }
  const failedIds = new Set((ack.failed ?? []).map((r) => r.id));
  const durable = new Set<string>();
  const failed = new Set<string>();
  for (const id of sentIds) (failedIds.has(id) ? failed : durable).add(id);
  return { kind: 'result', durable, failed };
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
