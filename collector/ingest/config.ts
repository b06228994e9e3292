/**
 * The ingest API's limits (the `limits` section of the collector config). Each bounds what one
 * instance, or one connection, can take from the others; every default is also in
 * docs/security.md, with the memory bound they add up to.
 */
import { z } from 'zod';

const MiB = 1024 * 1024;
const positiveInt = z.number().int().positive();

/** Per-instance fairness: a noisy instance is answered 429 with Retry-After, nobody else is. */
export const perInstanceLimitsSchema = z.strictObject({
  /** Batches of one instance in flight at once. Default 4 (the agent sends 2). */
  maxBatchesInFlight: positiveInt.default(4),
  /** Sustained bytes per second of one instance: what it sends plus what that inflates to. Default 16 MiB/s. */
  bytesPerSecond: positiveInt.default(16 * MiB),
  /** Bytes one instance may send at once above its rate. Default 64 MiB. */
  burstBytes: positiveInt.default(64 * MiB),
});

/** Which `@timestamp`s choose their own daily index; others go to the day they arrived. */
export const timestampWindowSchema = z.strictObject({
  /** How far back. Default 7 days. */
  maxPastMs: positiveInt.default(7 * 86_400_000),
  /** How far ahead. Default 1 day. */
  maxFutureMs: positiveInt.default(86_400_000),
});

/** Every ingest limit. */
export const ingestLimitsSchema = z.strictObject({
  /** Open connections; past it the longest-idle connection is closed. Default 16 384. */
  maxConnections: positiveInt.default(16_384),
  /** Time to receive a request's headers (slow or silent connections). Default 10 000 ms. */
  headersTimeoutMs: positiveInt.default(10_000),
  /** Time to receive a whole request, body included. Default 30 000 ms. */
  requestTimeoutMs: positiveInt.default(30_000),
  /** An idle keep-alive connection is closed after this long. Default 65 000 ms (agents idle 60 s). */
  idleTimeoutMs: positiveInt.default(65_000),
  /** Largest request body on the wire (gzip). Default 4 MiB. */
  maxBodyBytes: positiveInt.default(4 * MiB),
  /** Largest batch once inflated. Default 8 MiB (the agent cuts batches at 2 MiB). */
  maxInflatedBytes: positiveInt.default(8 * MiB),
  /** Largest single event (one NDJSON line); larger ones are dead-lettered, never retried. Default 1 MiB. */
  maxEventBytes: positiveInt.default(MiB),
  /** Most events in one batch. Default 20 000. */
  maxEventsPerBatch: positiveInt.default(20_000),
  /** Deepest JSON nesting of an event; deeper is a 400. Default 32. */
  maxDepth: positiveInt.default(32),
  /** Bytes of batches held at once, wire and inflated, across all instances (the memory bound). Default 64 MiB. */
  maxBufferedBytes: positiveInt.default(64 * MiB),
  /** Batches processed at once across all instances. Default 256. */
  maxConcurrentBatches: positiveInt.default(256),
  /** Enrollments processed at once. Default 32. */
  maxConcurrentEnrollments: positiveInt.default(32),
  /** Retry-After seconds of a 503 (Elasticsearch down, collector saturated). Default 5. */
  retryAfterSeconds: positiveInt.default(5),
  perInstance: perInstanceLimitsSchema.prefault({}),
  timestampWindow: timestampWindowSchema.prefault({}),
});

/** The parsed limits. */
export type IngestLimits = z.output<typeof ingestLimitsSchema>;

/** The defaults, for embedding and tests. */
export function defaultIngestLimits(
  overrides: Partial<z.input<typeof ingestLimitsSchema>> = {},
): IngestLimits {
  return ingestLimitsSchema.parse(overrides);
}
