/**
 * Stamps the collector's truth on events: the identity comes from the instance token, never
 * from the payload (principle 2), and `event.ingested` is the collector's clock.
 * Also routes each event kind to its index family.
 */
import type { EventFamily, IndexNames } from '../../lib/indices.ts';
import { deriveEventId, type EventKind, type WireEvent } from '../../lib/wire.ts';
import type { BulkItem } from '../storage/bulk-writer/encoder.ts';
import type { InstanceIdentity } from '../tokens/token-store.ts';

/** Which index family each event kind is stored in (heartbeats are lifecycle events). */
export const familyOfKind: Record<EventKind, EventFamily> = {
  log: 'logs',
  facts: 'facts',
  drift: 'drift',
  lifecycle: 'lifecycle',
  heartbeat: 'lifecycle',
};

/** Returns a copy of the event with the token's identity stamped over whatever it claimed. */
export function stampIdentity(event: WireEvent, identity: InstanceIdentity, ingestedAt: string): WireEvent {
  const cloud = { ...(asObject(event.cloud) ?? {}) };
  cloud.instance = { ...(asObject(cloud.instance) ?? {}), id: identity.instanceId };
  const host = { ...(asObject(event.host) ?? {}) };
  const kiln = { ...event.kiln };
  // An image or bake the token does not vouch for is a claim, not a fact: drop it.
  if (identity.imageId) {
    cloud.image = { ...(asObject(cloud.image) ?? {}), id: identity.imageId };
    host.image = { ...(asObject(host.image) ?? {}), id: identity.imageId };
  } else {
    delete cloud.image;
    delete host.image;
  }
  if (identity.bakeId) kiln.bake = { ...(asObject(kiln.bake) ?? {}), id: identity.bakeId };
  else delete kiln.bake;
  return {
    ...event,
    cloud,
    host,
    kiln,
    event: { ...event.event, ingested: ingestedAt },
  };
}

/**
 * The Elasticsearch `_id` of an event: the agent's deterministic id scoped to the instance the
 * token names, so one instance can never occupy (and so suppress) another instance's ids.
 */
export function storedIdOf(instanceId: string, eventId: string): string {
  return deriveEventId(instanceId, 'wire', eventId);
}

/** Turns stamped events into bulk items, each in the daily index of its family and day. */
export function toBulkItems(events: readonly WireEvent[], names: IndexNames, instanceId: string): BulkItem[] {
  return events.map((event) => ({
    id: storedIdOf(instanceId, event.event.id),
    index: names.daily(familyOfKind[event.kiln.kind], Date.parse(event['@timestamp'])),
    doc: event,
  }));
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
