/**
 * Reads a `_bulk` answer item by item. A 200 with `"errors": true` is normal: each item has its
 * own status. 201 = stored, 409 = already stored (the id exists: success for an idempotent
 * retry), 429/5xx = retry, anything else = permanent (e.g. a mapping conflict) → dead letter.
 */
import { classifyStatus } from '../../../lib/retry.ts';

/** What happened to one item. */
export type ItemOutcome =
  | { kind: 'stored' }
  | { kind: 'duplicate' }
  | { kind: 'retryable'; reason: string }
  | { kind: 'rejected'; reason: string; status: number; errorType: string };

/** The shape of a bulk response item we read. */
export interface BulkResponseItem {
  status?: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

/** Classifies the items of a bulk response, in request order. */
export function classifyBulkItems(items: ReadonlyArray<Record<string, BulkResponseItem>>): ItemOutcome[] {
  return items.map((wrapper) => {
    const item = wrapper.create ?? wrapper.index ?? Object.values(wrapper)[0] ?? {};
    const status = item.status ?? 0;
    if (status === 200 || status === 201) return { kind: 'stored' };
    if (status === 409) return { kind: 'duplicate' };
    const reason = describeItemError(item);
    if (status === 0 || classifyStatus(status) !== 'permanent') return { kind: 'retryable', reason };
    return { kind: 'rejected', reason, status, errorType: item.error?.type ?? 'unknown' };
  });
}

function describeItemError(item: BulkResponseItem): string {
  const error = item.error;
  if (!error) return `HTTP ${item.status ?? 'unknown'}`;
  const cause = error.caused_by?.reason ? ` (${error.caused_by.reason})` : '';
  return `${error.type ?? 'error'}: ${error.reason ?? 'no reason given'}${cause}`;
}
