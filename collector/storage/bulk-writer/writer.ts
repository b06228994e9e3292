/**
 * The bulk writer: stores items with `create` on their deterministic ids, retries what
 * Elasticsearch could not take (429, 5xx, unreachable) with backoff and jitter, sends permanent
 * item failures to the dead-letter index with the raw event and the reason, and reports exactly
 * which ids are durable so the caller acknowledges only those.
 */
import type { Client } from '@elastic/elasticsearch';
import { isTransientEsError } from '../../../lib/es.ts';
import type { IndexNames } from '../../../lib/indices.ts';
import { type BackoffOptions, type Clock, outcome, retry, sleep } from '../../../lib/retry.ts';
import type { BatchResult } from '../../../lib/wire.ts';
import { BodyPool, type BulkItem, chunkBySize, documentOf, encodeBulkCreate, sourceOf } from './encoder.ts';
import { classifyBulkItems } from './response.ts';

/** The parts of a `_bulk` answer the writer reads (`filter_path`). */
const bulkAnswerFields = 'errors,items.*.status,items.*.error';

/** Bulk writer settings; each states its default. */
export interface BulkWriterOptions {
  /** Attempts per item before it is reported failed (not durable). Default 3. */
  maxAttempts?: number;
  /** Backoff between attempts. Default base 100 ms, max 2 000 ms. */
  backoff?: BackoffOptions;
  /** Largest bulk request body. Default 8 MiB. */
  maxBulkBytes?: number;
  /** The clock, injected for tests. Default Date.now. */
  now?: () => number;
  /** Waits between attempts; injected for tests. Default a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Random source for jitter. Default Math.random. */
  random?: () => number;
}

/** The outcome of one write: `BatchResult` (stored, duplicates, dead-lettered, failed). */
export type WriteReport = BatchResult;

/**
 * An item refused before or by Elasticsearch, on its way to the dead-letter index. `original`
 * replaces the whole document in the letter when the document is too large to keep (its start
 * and its size are kept instead).
 */
export interface Refusal {
  item: BulkItem;
  reason: string;
  status: number;
  errorType: string;
  original?: { head: string; bytes: number };
}

/** Writes batches of items to Elasticsearch. */
export class BulkWriter {
  readonly #client: Client;
  readonly #names: IndexNames;
  readonly #maxAttempts: number;
  readonly #backoff: BackoffOptions;
  readonly #maxBulkBytes: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #bodies: BodyPool;

  constructor(client: Client, names: IndexNames, options: BulkWriterOptions = {}) {
    this.#client = client;
    this.#names = names;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#backoff = options.backoff ?? { baseMs: 100, maxMs: 2000 };
    this.#maxBulkBytes = options.maxBulkBytes ?? 8 * 1024 * 1024;
    // Four bodies kept, each with room to grow a quarter past the largest request.
    this.#bodies = new BodyPool(4, Math.ceil(this.#maxBulkBytes * 1.25));
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => sleep(ms));
    this.#clock = { now: this.#now, sleep: (ms) => this.#sleep(ms) };
    this.#random = options.random ?? Math.random;
  }

  /**
   * Stores the items, and dead-letters `refused` (items already judged unstorable); never throws
   * for Elasticsearch trouble, it reports it per item instead.
   */
  async write(items: readonly BulkItem[], refused: readonly Refusal[] = []): Promise<WriteReport> {
    const report: WriteReport = { stored: [], duplicates: [], deadLettered: [], failed: [] };
    const rejected: Refusal[] = [...refused];
    for (const chunk of chunkBySize(items, this.#maxBulkBytes)) {
      await this.#writeChunk(chunk, report, rejected);
    }
    if (rejected.length > 0) await this.#deadLetter(rejected, report);
    return report;
  }

  async #writeChunk(chunk: BulkItem[], report: WriteReport, rejected: Refusal[]): Promise<void> {
    let pending = chunk;
    let lastReason = new Map<string, string>();
    // One attempt sends what is still pending; items stored, duplicated or refused leave it.
    await retry(
      async () => {
        const result = await this.#send(pending);
        if (result.kind === 'request-failed') {
          lastReason = new Map(pending.map((item) => [item.id, result.reason]));
          return result.transient ? outcome.retryable(result.reason) : outcome.permanent(result.reason);
        }
        const again: BulkItem[] = [];
        lastReason = new Map();
        result.outcomes.forEach((itemOutcome, i) => {
          const item = pending[i]!;
          switch (itemOutcome.kind) {
            case 'stored':
              report.stored.push(item.id);
              break;
            case 'duplicate':
              report.duplicates.push(item.id);
              break;
            case 'rejected':
              rejected.push({
                item,
                reason: itemOutcome.reason,
                status: itemOutcome.status,
                errorType: itemOutcome.errorType,
              });
              break;
            case 'retryable':
              again.push(item);
              lastReason.set(item.id, itemOutcome.reason);
              break;
          }
        });
        pending = again;
        return pending.length === 0
          ? outcome.ok(undefined)
          : outcome.retryable(`${pending.length} items to retry`);
      },
      { maxAttempts: this.#maxAttempts, backoff: this.#backoff, random: this.#random, clock: this.#clock },
    );
    for (const item of pending) {
      report.failed.push({ id: item.id, reason: lastReason.get(item.id) ?? 'not stored' });
    }
  }

  async #send(
    items: BulkItem[],
  ): Promise<
    | { kind: 'answered'; outcomes: ReturnType<typeof classifyBulkItems> }
    | { kind: 'request-failed'; reason: string; transient: boolean }
  > {
    try {
      // Only what classifyBulkItems reads: a 2 000-item answer shrinks from ~400 KB to ~50 KB.
      const body = encodeBulkCreate(items, this.#bodies);
      const response = await this.#client.bulk({ body, filter_path: bulkAnswerFields } as never);
      // Answered: the body was sent whole and is read no more. After a failure it is left to
      // the garbage collector, in case a connection still holds it.
      this.#bodies.give(body);
      const outcomes = classifyBulkItems(response.items as never);
      if (outcomes.length !== items.length) {
        return { kind: 'request-failed', reason: 'bulk answer did not match the request', transient: true };
      }
      return { kind: 'answered', outcomes };
    } catch (error) {
      const reason = `Elasticsearch unavailable: ${error instanceof Error ? error.message : String(error)}`;
      return { kind: 'request-failed', reason, transient: isTransientEsError(error) };
    }
  }

  async #deadLetter(rejected: Refusal[], report: WriteReport): Promise<void> {
    const nowMs = this.#now();
    const letters: BulkItem[] = rejected.map(({ item, reason, status, errorType, original }) => ({
      id: item.id,
      index: this.#names.daily('deadletter', nowMs),
      doc: deadLetterDocument(item, reason, status, errorType, nowMs, original),
    }));
    const inner = new BulkWriter(this.#client, this.#names, {
      maxAttempts: this.#maxAttempts,
      backoff: this.#backoff,
      sleep: this.#sleep,
      random: this.#random,
      now: this.#now,
    });
    const reasons = new Map(rejected.map((r) => [r.item.id, r.reason]));
    const stored = await inner.#writeLetters(letters);
    for (const id of [...stored.stored, ...stored.duplicates]) {
      report.deadLettered.push({ id, reason: reasons.get(id) ?? 'rejected' });
    }
    for (const failure of [...stored.failed, ...stored.deadLettered]) {
      report.failed.push({
        id: failure.id,
        reason: `${reasons.get(failure.id)}; and the dead-letter write failed: ${failure.reason}`,
      });
    }
  }

  async #writeLetters(letters: BulkItem[]): Promise<WriteReport> {
    const report: WriteReport = { stored: [], duplicates: [], deadLettered: [], failed: [] };
    const refused: Refusal[] = [];
    for (const chunk of chunkBySize(letters, this.#maxBulkBytes))
      await this.#writeChunk(chunk, report, refused);
    for (const r of refused) report.failed.push({ id: r.item.id, reason: r.reason });
    return report;
  }
}

/**
 * A dead letter: the raw event as `event.original` (kept, not indexed; for an event too large to
 * keep, its start and `kiln.deadletter.original_bytes`), the reason as `error.*`, the index it
 * was meant for, and the identity needed to find it again.
 */
export function deadLetterDocument(
  item: BulkItem,
  reason: string,
  status: number,
  errorType: string,
  nowMs: number,
  original?: { head: string; bytes: number },
): Record<string, unknown> {
  const doc = documentOf(item) as {
    cloud?: { instance?: { id?: unknown } };
    host?: { name?: unknown };
    kiln?: { kind?: unknown };
  };
  const instanceId = doc.cloud?.instance?.id;
  const hostName = doc.host?.name;
  const kind = doc.kiln?.kind;
  return {
    '@timestamp': new Date(nowMs).toISOString(),
    message: `event ${item.id} refused by ${item.index}: ${reason}`,
    event: {
      id: item.id,
      kind: 'pipeline_error',
      original: original ? original.head : sourceOf(item),
    },
    error: { type: errorType, message: reason },
    ...(typeof instanceId === 'string' ? { cloud: { instance: { id: instanceId } } } : {}),
    ...(typeof hostName === 'string' ? { host: { name: hostName } } : {}),
    kiln: {
      kind: typeof kind === 'string' ? kind : 'unknown',
      deadletter: {
        index: item.index,
        status,
        ...(original
          ? { truncated: Buffer.byteLength(original.head) < original.bytes, original_bytes: original.bytes }
          : {}),
      },
    },
  };
}
