/**
 * The shipper: the EventSink every source pushes into. It queues serialized events (bounded in
 * bytes: `push` waits while `maxQueuedBytes` — each event's JSON line plus a fixed charge for
 * its bookkeeping — or `maxQueuedEvents` are queued or in flight, so sources stop reading),
 * cuts batches by size and time, sends up to `maxInFlight` at once, and calls each event's
 * `onDurable` only for ids the collector reported durable. Failed ids are sent again through
 * lib/retry.ts `retry()` (exponential backoff and full jitter, Retry-After on 429/503).
 */
import { describeError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { type AttemptOutcome, outcome, retry, sleep } from '../../lib/retry.ts';
import type { WireEvent } from '../../lib/wire.ts';
import { type EncodedEvent, type EventSink, isEncoded } from '../pipeline/source.ts';
import { type BatchLimits, batchReady, batchSize, msUntilDue, type QueuedEvent } from './batcher.ts';
import type { CollectorClient } from './collector-client.ts';
import { type BatchEncoding, compressBatch, defaultBatchEncoding } from './compression.ts';
import { fitEventLine } from './event-size.ts';
import { FairGate } from './fair-gate.ts';
import { classifyBatchResponse } from './response.ts';

/**
 * The retryable "error" of an attempt that only changed how the batch is sent (a renewed token,
 * gzip after a 415): resent at once, not logged.
 */
const resendNow = Symbol('resend now');

/**
 * What one queued event costs besides its line: its queue entry, the file's acknowledgement
 * ticket and the closure that moves the checkpoint (measured with heap snapshots: ~150 bytes).
 */
export const eventOverheadBytes = 160;

/** Where the shipper gets the instance token; `renew` enrolls again after a 401. */
export interface TokenProvider {
  get(): Promise<string>;
  renew(): Promise<string>;
}

/** Counters the shipper reports (telemetry). */
export interface ShipperObserver {
  durable(events: number, bytes: number): void;
  retried(reason: string): void;
  dropped(events: number): void;
}

/** Shipper settings; units in names. */
export interface ShipperOptions extends BatchLimits {
  maxInFlight: number;
  /** Largest event sent; a longer message is truncated to fit (the collector's cap). */
  maxEventBytes: number;
  maxQueuedEvents: number;
  /** Bytes queued or in flight (JSON lines plus `eventOverheadBytes` each) before push waits. */
  maxQueuedBytes: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  now?: () => number;
  random?: () => number;
  observer?: ShipperObserver;
}

/** Batches, sends and retries events; see the file comment. */
export class Shipper implements EventSink {
  readonly #client: CollectorClient;
  readonly #tokens: TokenProvider;
  readonly #log: Logger;
  readonly #o: ShipperOptions & { now: () => number; random: () => number };
  #queue: QueuedEvent[] = [];
  #queuedBytes = 0;
  #outstanding = 0;
  #outstandingBytes = 0;
  #inFlight = 0;
  #draining = false;
  #stopped = false;
  #encoding: BatchEncoding = defaultBatchEncoding;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  readonly #gate = new FairGate(() => this.#full());
  #idleWaiters: Array<() => void> = [];

  constructor(client: CollectorClient, tokens: TokenProvider, log: Logger, options: ShipperOptions) {
    this.#client = client;
    this.#tokens = tokens;
    this.#log = log;
    this.#o = { now: Date.now, random: Math.random, ...options };
  }

  /** Events queued or in flight (not yet durable). */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Bytes queued or in flight, with each event's overhead (the memory bound). */
  get outstandingBytes(): number {
    return this.#outstandingBytes;
  }

  /** Queues an event; waits while the queue is full. After stop, events are ignored (not durable). */
  async push(event: WireEvent | EncodedEvent, onDurable: () => void): Promise<void> {
    // Strictly first come, first served (fair-gate.ts): files drained at once on shutdown take
    // turns instead of the first one filling every free slot.
    await this.#gate.enter();
    this.#enqueue(event, onDurable);
  }

  /** Queues the event at once when `push` would not wait (see EventSink.offer). */
  offer(event: WireEvent | EncodedEvent, onDurable: () => void): boolean {
    if (!this.#gate.mayEnterNow()) return false;
    this.#enqueue(event, onDurable);
    return true;
  }

  #enqueue(event: WireEvent | EncodedEvent, onDurable: () => void): void {
    if (this.#stopped) return;
    const id = isEncoded(event) ? event.id : event.event.id;
    // An encoded line is parsed back only in the rare case it is over the event size cap.
    const raw = isEncoded(event) ? event.json : JSON.stringify(event);
    const line =
      Buffer.byteLength(raw) <= this.#o.maxEventBytes
        ? raw
        : fitEventLine(isEncoded(event) ? (JSON.parse(raw) as WireEvent) : event, raw, this.#o.maxEventBytes);
    const bytes = Buffer.byteLength(line);
    this.#queue.push({ id, line, bytes, enqueuedAtMs: this.#o.now(), onDurable });
    this.#queuedBytes += bytes;
    this.#outstanding++;
    this.#outstandingBytes += bytes + eventOverheadBytes;
    this.#gate.next();
    this.#pump();
  }

  /** One event always fits into an empty queue, however large, so a big line never stalls. */
  #full(): boolean {
    return (
      this.#outstanding > 0 &&
      (this.#outstanding >= this.#o.maxQueuedEvents || this.#outstandingBytes >= this.#o.maxQueuedBytes)
    );
  }

  /** From now on, send without waiting for batches to fill (shutdown). */
  flushNow(): void {
    this.#draining = true;
    this.#pump();
  }

  /** Resolves true once every pushed event is durable, false when `timeoutMs` passes first. */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.#outstanding === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.#idleWaiters.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
      timer.unref();
    });
    const result = await Promise.race([idle, late]);
    clearTimeout(timer);
    return result;
  }

  /** Stops sending: aborts requests and retry waits, releases waiting sources. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#abort.abort();
    clearTimeout(this.#timer);
    this.#gate.openForGood();
  }

  #pump(): void {
    if (this.#stopped) return;
    const now = this.#o.now();
    while (
      this.#inFlight < this.#o.maxInFlight &&
      batchReady(this.#queue, this.#queuedBytes, this.#o, now, this.#draining)
    ) {
      const batch = this.#queue.splice(0, batchSize(this.#queue, this.#o));
      for (const event of batch) this.#queuedBytes -= event.bytes;
      this.#inFlight++;
      this.#send(batch)
        .catch((error) => this.#log.error('batch sending failed', { 'error.message': describeError(error) }))
        .finally(() => {
          this.#inFlight--;
          this.#pump();
        });
    }
    clearTimeout(this.#timer);
    const due = msUntilDue(this.#queue, this.#o, now);
    if (due !== undefined && this.#inFlight < this.#o.maxInFlight) {
      this.#timer = setTimeout(() => this.#pump(), due);
      this.#timer.unref();
    }
  }

  /**
   * Sends one batch until every event in it is durable (or the shipper stops). Each attempt
   * posts what is still pending and says what it came to (lib/retry.ts); `retry` owns the
   * waits: backoff with full jitter, or the collector's Retry-After.
   */
  async #send(batch: QueuedEvent[]): Promise<void> {
    let events = batch;
    await retry<void>(
      async () => {
        if (this.#stopped) return outcome.permanent('the shipper stopped');
        const encoding = this.#encoding;
        const answer = await this.#post(events, encoding);
        if (this.#stopped) return outcome.permanent('the shipper stopped');
        switch (answer.kind) {
          case 'result':
            this.#settle(events.filter((e) => answer.durable.has(e.id)));
            events = events.filter((e) => answer.failed.has(e.id));
            return events.length === 0
              ? outcome.ok(undefined)
              : outcome.retryable(`${events.length} events failed at the collector`);
          case 'unauthorized':
            return this.#renewToken();
          case 'split':
            await this.#split(events, answer.reason);
            return outcome.ok(undefined);
          case 'retry':
            return outcome.retryable(answer.reason, answer.afterMs);
          case 'unsupported-encoding':
            return this.#fallBackToGzip(encoding, answer.reason);
        }
      },
      {
        signal: this.#abort.signal,
        backoff: { baseMs: this.#o.backoffBaseMs, maxMs: this.#o.backoffMaxMs },
        random: this.#o.random,
        clock: { now: this.#o.now, sleep },
        onRetry: ({ attempt, delayMs, error }) => {
          if (error === resendNow) return;
          const reason = String(error);
          this.#o.observer?.retried(reason);
          this.#log.warn('batch not delivered; retrying', {
            'error.message': reason,
            'kiln.retry.delay_ms': delayMs,
            'kiln.retry.attempt': attempt,
          });
        },
      },
    );
  }

  /**
   * The collector refused the batch itself (400/413): send each half on its own, down to the one
   * event it can never take (too large or malformed), which would stall its file forever if
   * kept: it is logged with its id and counted, then let go.
   */
  async #split(events: QueuedEvent[], reason: string): Promise<void> {
    if (events.length === 1) {
      this.#log.error('the collector refused an event for good; it is dropped', {
        'event.id': events[0]!.id,
        'error.message': reason,
      });
      this.#o.observer?.dropped(1);
      this.#settle(events);
      return;
    }
    const half = Math.ceil(events.length / 2);
    await this.#send(events.slice(0, half));
    await this.#send(events.slice(half));
  }

  async #post(events: QueuedEvent[], encoding: BatchEncoding) {
    try {
      const body = await compressBatch(`${events.map((e) => e.line).join('\n')}\n`, encoding);
      const token = await this.#tokens.get();
      const answer = await this.#client.sendBatch(body, encoding, token, this.#abort.signal);
      return classifyBatchResponse(
        answer.status,
        answer.retryAfter,
        answer.body,
        events.map((e) => e.id),
        this.#o.now(),
      );
    } catch (error) {
      return { kind: 'retry' as const, afterMs: undefined, reason: describeError(error) };
    }
  }

  /**
   * A collector that does not read zstd (older, or on a Node without it) answers 415: this
   * agent sends gzip from then on, and the batch again at once.
   */
  #fallBackToGzip(sentWith: BatchEncoding, reason: string): AttemptOutcome<void> {
    if (sentWith === 'gzip') return outcome.retryable(reason);
    if (this.#encoding !== 'gzip') {
      this.#log.warn('the collector does not read zstd; sending gzip from now on', {
        'error.message': reason,
      });
      this.#encoding = 'gzip';
    }
    return outcome.retryable(resendNow, 0);
  }

  /** After a 401: enroll again, then resend at once; if enrolling fails, back off. */
  async #renewToken(): Promise<AttemptOutcome<void>> {
    this.#log.warn('the collector refused the instance token; enrolling again');
    try {
      await this.#tokens.renew();
      return outcome.retryable(resendNow, 0);
    } catch (error) {
      return outcome.retryable(`enrolling again failed: ${describeError(error)}`);
    }
  }

  #settle(events: QueuedEvent[]): void {
    if (events.length === 0) return;
    let bytes = 0;
    for (const event of events) {
      bytes += event.bytes;
      event.onDurable();
    }
    this.#outstanding -= events.length;
    this.#outstandingBytes -= bytes + events.length * eventOverheadBytes;
    this.#o.observer?.durable(events.length, bytes);
    this.#gate.next();
    if (this.#outstanding === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
  }
}
