/**
 * `POST /v1/batches`: one instance's gzip NDJSON, answered only after Elasticsearch answered.
 * In order: the token says who is sending (nothing is read before that); the instance's own
 * limits (batches in flight, bytes per second) answer a noisy instance 429 with Retry-After,
 * leaving every other instance alone; the body is received and inflated within the shared byte
 * budget; events are decoded, stamped with the token's identity and stored; events refused
 * before storage (too large, conflicting keys) are dead-lettered so they are never retried.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IndexNames } from '../../lib/indices.ts';
import type { Logger } from '../../lib/log.ts';
import { type BatchResult, compactAck, compactAckHeader, type WireEvent } from '../../lib/wire.ts';
import type { DocumentItem } from '../storage/bulk-writer/encoder.ts';
import type { BulkWriter, Refusal } from '../storage/bulk-writer/writer.ts';
import type { InstanceIdentity } from '../tokens/identity.ts';
import type { IngestLimits } from './config.ts';
import { DecodeError, decodeBatch } from './decode.ts';
import { refuseUnread, retryAfter, sendError, sendJson } from './http-io.ts';
import { itemsOfBatch } from './items.ts';
import { type ByteBudget, InFlight, KeyedBuckets } from './rate-limit.ts';
import {
  encodingOf,
  inflateBounded,
  ReceiveError,
  Reservation,
  readBoundedBody,
  zstdAvailable,
} from './receive.ts';
import type { LogIdentity } from './stamp.ts';
import { storedIdOfEvent } from './stored-id.ts';

/** Called with the durable events of a batch (e.g. to update the fleet registry). */
export type DurableHook = (identity: InstanceIdentity, events: WireEvent[], nowMs: number) => Promise<void>;

/** What the handler needs from the server. */
export interface BatchHandlerOptions {
  names: IndexNames;
  writer: BulkWriter;
  limits: IngestLimits;
  budget: ByteBudget;
  log: Logger;
  now: () => number;
  /** How much of the identity a log line carries. Default lean (stamp.ts). */
  logIdentity?: LogIdentity;
  onDurable?: DurableHook;
}

/** Handles batches; one per server. */
export class BatchHandler {
  readonly #o: BatchHandlerOptions;
  readonly #inFlight: InFlight<IncomingMessage>;
  readonly #bytes: KeyedBuckets;
  #processing = 0;

  constructor(options: BatchHandlerOptions) {
    this.#o = options;
    const per = options.limits.perInstance;
    this.#inFlight = new InFlight(per.maxBatchesInFlight, (req) => req.socket.destroyed);
    this.#bytes = new KeyedBuckets(per.burstBytes, per.bytesPerSecond);
  }

  /** Answers one batch request of an already authenticated instance. */
  async handle(req: IncomingMessage, res: ServerResponse, identity: InstanceIdentity): Promise<void> {
    const limits = this.#o.limits;
    const encoding = encodingOf(req.headers['content-encoding']);
    if (!encoding) {
      return this.#refuse(
        req,
        res,
        415,
        'unsupported_encoding',
        `Content-Encoding must be ${zstdAvailable ? 'zstd, gzip' : 'gzip'} or identity, not "${req.headers['content-encoding']}"`,
      );
    }
    const id = identity.instanceId;
    const waitMs = this.#bytes.waitMs(id, this.#o.now());
    if (waitMs > 0) {
      return this.#refuse(
        req,
        res,
        429,
        'rate_limited',
        `instance ${id} is over its byte rate (limits.perInstance.bytesPerSecond)`,
        waitMs,
      );
    }
    if (!this.#inFlight.acquire(id, req)) {
      return this.#refuse(
        req,
        res,
        429,
        'too_many_in_flight',
        `instance ${id} has ${limits.perInstance.maxBatchesInFlight} batches in flight already`,
        1000,
      );
    }
    if (this.#processing >= limits.maxConcurrentBatches) {
      this.#inFlight.release(id, req);
      return this.#refuse(
        req,
        res,
        503,
        'saturated',
        'the collector is saturated; retry later',
        limits.retryAfterSeconds * 1000,
      );
    }
    this.#processing++;
    const reservation = new Reservation(this.#o.budget);
    try {
      const body = await readBoundedBody(req, limits.maxBodyBytes, reservation);
      const raw =
        encoding === 'identity'
          ? body
          : await inflateBounded(body, limits.maxInflatedBytes, reservation, encoding);
      if (encoding === 'identity' && raw.length > limits.maxInflatedBytes) {
        throw new ReceiveError(
          413,
          `the batch is larger than ${limits.maxInflatedBytes} bytes; send smaller batches`,
        );
      }
      const decoded = decodeBatch(raw, {
        maxEvents: limits.maxEventsPerBatch,
        maxEventBytes: limits.maxEventBytes,
        maxDepth: limits.maxDepth,
      });
      const result = await this.#store(identity, decoded);
      const unavailable = result.failed.length === decoded.length;
      const compact = req.headers[compactAckHeader] === 'compact';
      sendJson(
        res,
        unavailable ? 503 : 200,
        compact ? compactAck(result, decoded.length) : result,
        unavailable ? retryAfter(limits.retryAfterSeconds * 1000) : {},
      );
    } catch (error) {
      if (error instanceof ReceiveError) {
        const code = { 400: 'bad_batch', 413: 'too_large', 415: 'unsupported_encoding', 503: 'saturated' }[
          error.status
        ];
        res.setHeader('connection', 'close');
        return sendError(
          res,
          error.status,
          code,
          error.message,
          error.status === 503 ? retryAfter(limits.retryAfterSeconds * 1000) : {},
        );
      }
      if (error instanceof DecodeError) return sendError(res, error.status, 'bad_batch', error.message);
      throw error;
    } finally {
      // The instance pays for every byte it made the collector hold, refused batches included.
      this.#bytes.take(id, reservation.bytes, this.#o.now());
      reservation.release();
      this.#processing--;
      this.#inFlight.release(id, req);
    }
  }

  async #store(identity: InstanceIdentity, decoded: ReturnType<typeof decodeBatch>): Promise<BatchResult> {
    const nowMs = this.#o.now();
    const ingestedAt = new Date(nowMs).toISOString();
    const {
      items,
      agentIds,
      stamped,
      refused: refusedEvents,
    } = itemsOfBatch(decoded, {
      identity,
      ingestedAt,
      nowMs,
      names: this.#o.names,
      window: this.#o.limits.timestampWindow,
      logIdentity: this.#o.logIdentity,
    });
    const refusals: Refusal[] = refusedEvents.map((r) => ({
      item: refusedItem(identity, r, this.#o.names.daily('deadletter', nowMs)),
      reason: r.reason,
      status: 413,
      errorType: 'kiln_event_refused',
      original: { head: r.head, bytes: r.bytes },
    }));
    const report = await this.#o.writer.write(items, refusals);
    // Report in the agent's own ids: the stored _id is scoped to the instance.
    const original = new Map<string, string>();
    for (const [i, item] of items.entries()) original.set(item.id, agentIds[i]!);
    for (const [i, r] of refusals.entries()) original.set(r.item.id, refusedEvents[i]!.event.event.id);
    const back = (storedId: string) => original.get(storedId) ?? storedId;
    const result: BatchResult = {
      stored: report.stored.map(back),
      duplicates: report.duplicates.map(back),
      deadLettered: report.deadLettered.map((r) => ({ id: back(r.id), reason: r.reason })),
      failed: report.failed.map((r) => ({ id: back(r.id), reason: r.reason })),
    };
    if (this.#o.onDurable) await this.#applyHook(identity, stamped, result, nowMs);
    return result;
  }

  /** Runs the durable hook; if it fails, its events are reported failed so the agent resends them. */
  async #applyHook(
    identity: InstanceIdentity,
    stamped: WireEvent[],
    result: BatchResult,
    nowMs: number,
  ): Promise<void> {
    const durable = new Set([...result.stored, ...result.duplicates]);
    const relevant = stamped.filter((e) => e.kiln.kind !== 'log' && durable.has(e.event.id));
    if (relevant.length === 0) return;
    try {
      await this.#o.onDurable!(identity, relevant, nowMs);
    } catch (error) {
      const reason = `registry update failed: ${error instanceof Error ? error.message : String(error)}`;
      this.#o.log.warn('registry update failed', {
        'cloud.instance.id': identity.instanceId,
        'error.message': reason,
      });
      const ids = new Set(relevant.map((e) => e.event.id));
      result.stored = result.stored.filter((id) => !ids.has(id));
      result.duplicates = result.duplicates.filter((id) => !ids.has(id));
      for (const id of ids) result.failed.push({ id, reason });
    }
  }

  #refuse(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    code: string,
    reason: string,
    retryAfterMs?: number,
  ): void {
    const headers = retryAfterMs !== undefined ? retryAfter(retryAfterMs) : {};
    refuseUnread(req, res, this.#o.limits.maxBodyBytes, { status, code, reason, headers });
  }
}

function refusedItem(identity: InstanceIdentity, r: { event: WireEvent }, index: string): DocumentItem {
  return {
    id: storedIdOfEvent(identity.instanceId, r.event),
    index,
    doc: r.event as unknown as Record<string, unknown>,
  };
}
