/** What a failed AWS SDK call comes to, for every AWS action (replacement and rollback). */
import { classifyStatus } from '../../lib/retry.ts';
import type { ActionResult } from './action.ts';

/** The failed result of an AWS call begun at `started` (performance.now()). */
export function awsFailure(started: number, error: unknown): ActionResult {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  // No status is a network failure; throttling, 5xx and 408 may pass on another attempt.
  const retryable =
    status === undefined || classifyStatus(status) !== 'permanent' || /Throttl/.test(e.name ?? '');
  return {
    ok: false,
    retryable,
    durationMs: Math.round(performance.now() - started),
    error: `${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
    ...(status !== undefined ? { statusCode: status } : {}),
  };
}
