/**
 * The contract between the agent's sources (file tail, boot facts, drift scanner, heartbeat)
 * and the shipper. Sources never import the shipper: the runtime wires them by config.
 */
import type { WireEvent } from '../../lib/wire.ts';

/**
 * Where a source hands its events. `push` resolves once the event is queued; it waits while
 * the queue is full, which is how backpressure reaches a source (a file tail stops reading).
 * `onDurable` runs once the collector confirmed the event is durable in Elasticsearch; only
 * then may the source advance its checkpoint.
 */
export interface EventSink {
  push(event: WireEvent | EncodedEvent, onDurable: () => void): Promise<void>;
  /**
   * Queues the event now and returns true when there is room and nobody is waiting; returns
   * false (and queues nothing) when the caller must `push` and wait. A source that emits an
   * event per log line uses it to skip a promise per line.
   */
  offer?(event: WireEvent | EncodedEvent, onDurable: () => void): boolean;
}

/**
 * An event already serialized as its NDJSON line (no newline). The file source writes its
 * events this way: building the line directly costs a fraction of building an object graph and
 * stringifying it, and it is all the shipper keeps (bytes, not objects).
 */
export interface EncodedEvent {
  readonly encoded: true;
  id: string;
  json: string;
}

/** Whether a pushed event is already serialized. */
export function isEncoded(event: WireEvent | EncodedEvent): event is EncodedEvent {
  return (event as EncodedEvent).encoded === true;
}

/** A producer of events. `start` returns quickly; `stop` is idempotent. */
export interface Source {
  readonly name: string;
  start(sink: EventSink): Promise<void>;
  /** On shutdown: produce everything still pending (e.g. read every file to its end). */
  drain?(): Promise<void>;
  stop(): Promise<void>;
}

/** The identity the agent runs as, resolved once at start. */
export interface AgentIdentity {
  instanceId: string;
  hostname: string;
  bootId: string;
  imageId?: string;
  bakeId?: string;
}
