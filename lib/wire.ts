/**
 * The wire schema between kiln-agent and the collector (`POST /v1/batches`).
 *
 * A batch is gzip-compressed NDJSON: one ECS document per line. `event.id` is the deterministic
 * id the collector uses as the Elasticsearch `_id` (so a retry can never double an event) and
 * `kiln.kind` says which index family the event belongs to. Identity fields are stamped by the
 * collector from the instance token; whatever the payload claims there is overwritten.
 */
import { hash } from 'node:crypto';

/** The kinds of event an agent ships. Heartbeats only update the fleet registry. */
export const eventKinds = ['log', 'facts', 'drift', 'lifecycle', 'heartbeat'] as const;
/** One of the kinds an agent ships. */
export type EventKind = (typeof eventKinds)[number];

/** The HTTP paths of the collector's API. */
export const collectorPaths = {
  enroll: '/v1/enroll',
  batches: '/v1/batches',
  healthz: '/healthz',
  readyz: '/readyz',
} as const;

/** The smallest shape every shipped event has. */
export interface WireEvent {
  '@timestamp': string;
  event: { id: string; [key: string]: unknown };
  kiln: { kind: EventKind; [key: string]: unknown };
  [field: string]: unknown;
}

/** Why one event was not stored, as the collector reports it. */
export interface EventRejection {
  id: string;
  reason: string;
}

/**
 * The collector's answer to a batch, sent only after Elasticsearch answered.
 * `stored`, `duplicates` and `deadLettered` are durable: the agent may advance past them.
 * `failed` are not stored anywhere and must be sent again.
 */
export interface BatchResult {
  stored: string[];
  duplicates: string[];
  deadLettered: EventRejection[];
  failed: EventRejection[];
}

/**
 * The request header by which an agent asks for the compact answer (`kiln-ack: compact`). A
 * collector that does not know it answers a BatchResult, which the agent still reads.
 */
export const compactAckHeader = 'kiln-ack';

/**
 * The compact answer to a batch: how many events it covers, and the exceptions by id. Every event
 * of the batch not in `failed` is durable (stored, a duplicate, or in `deadLettered`). Listing
 * every stored id made the answer about 25 bytes an event, which both ends paid to write and read;
 * the agent checks `events` against what it sent and resends the whole batch when they differ.
 */
export interface BatchAck {
  events: number;
  storedCount: number;
  duplicateCount: number;
  deadLettered: EventRejection[];
  failed: EventRejection[];
}

/** The compact answer (BatchAck) of a result covering `events` events. */
export function compactAck(result: BatchResult, events: number): BatchAck {
  return {
    events,
    storedCount: result.stored.length,
    duplicateCount: result.duplicates.length,
    deadLettered: result.deadLettered,
    failed: result.failed,
  };
}

/**
 * The body of `POST /v1/enroll`. On EC2 the agent sends its signed instance identity document
 * (`attestation`) and no token; elsewhere an `enrollmentToken`. Either way it sends the secret it
 * chose at its first enrollment (kept in its state directory): the collector binds the instance
 * id to that secret's hash, so a second claimant of the same id is refused.
 */
export interface EnrollRequest {
  attestation?: {
    type: 'aws-iid';
    /** `dynamic/instance-identity/document`, as IMDS serves it. */
    document: string;
    /** `dynamic/instance-identity/pkcs7` (base64, no PEM armour), as IMDS serves it. */
    pkcs7: string;
  };
  enrollmentToken?: string;
  /** The holder's secret: 32+ random bytes the agent made once (`kiln_sec_…`). */
  enrollmentSecret: string;
  /** What the instance says about itself; with an attestation, only hostname, boot and bake are read. */
  instance: {
    id?: string;
    imageId?: string;
    hostname?: string;
    bakeId?: string;
    bootId?: string;
  };
}

/** The answer of `POST /v1/enroll`: the per-instance bearer token. */
export interface EnrollResponse {
  instanceToken: string;
  instanceId: string;
  /** How the instance proved itself: `aws-iid`, `bound-token` or `fleet-token`. */
  method: string;
  /** `first` for a new holder, `renewed` when the holder's secret matched. */
  holder: 'first' | 'renewed';
}

/**
 * Deterministic event id from (instance, source fingerprint, position): the same bytes of the
 * same file on the same instance always give the same id. 128 bits of SHA-256, base64url.
 */
export function deriveEventId(
  instanceId: string,
  sourceFingerprint: string,
  position: number | string,
): string {
  // One-shot crypto.hash: several times cheaper than a Hash object, and this runs for every
  // event on both the agent and the collector.
  return hash('sha256', `${instanceId}\u0000${sourceFingerprint}\u0000${position}`, 'base64url').slice(0, 22);
}
