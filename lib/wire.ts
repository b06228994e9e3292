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

/** The body of `POST /v1/enroll`. */
export interface EnrollRequest {
  enrollmentToken: string;
  instance: {
    id: string;
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
