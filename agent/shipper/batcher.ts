/**
 * When to send and what goes in a batch (pure). A batch closes at `maxEvents` events or
 * `maxBytes` uncompressed bytes, or when its oldest event waited `flushIntervalMs`, or at once
 * while draining on shutdown. A single event larger than `maxBytes` still goes, alone, so a
 * big line never blocks the queue.
 */

/** One serialized event waiting for the collector. */
export interface QueuedEvent {
  id: string;
  /** The NDJSON line, without its newline. */
  line: string;
  bytes: number;
  enqueuedAtMs: number;
  onDurable: () => void;
}

/** Batch limits; units in names. */
export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
  flushIntervalMs: number;
}

/** Whether the queue holds a batch that should go now. */
export function batchReady(
  queue: readonly QueuedEvent[],
  queuedBytes: number,
  limits: BatchLimits,
  nowMs: number,
  draining: boolean,
): boolean {
  const oldest = queue[0];
  if (!oldest) return false;
  return (
    draining ||
    queue.length >= limits.maxEvents ||
    queuedBytes >= limits.maxBytes ||
    nowMs - oldest.enqueuedAtMs >= limits.flushIntervalMs
  );
}

/** How many events from the queue's head form the next batch (at least one). */
export function batchSize(queue: readonly QueuedEvent[], limits: BatchLimits): number {
  let bytes = 0;
  let count = 0;
  for (const event of queue) {
    if (count >= limits.maxEvents) break;
    if (count > 0 && bytes + event.bytes + 1 > limits.maxBytes) break;
    bytes += event.bytes + 1;
    count++;
  }
  return count;
}

/** Milliseconds until the oldest queued event's batch is due, or undefined when empty. */
export function msUntilDue(
  queue: readonly QueuedEvent[],
  limits: BatchLimits,
  nowMs: number,
): number | undefined {
  const oldest = queue[0];
  return oldest ? Math.max(0, oldest.enqueuedAtMs + limits.flushIntervalMs - nowMs) : undefined;
}
