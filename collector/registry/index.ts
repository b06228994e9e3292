/**
 * The fleet registry: one document per instance (`_id` = instance id) in `<prefix>-registry`,
 * kept current from the events the collector stored. This module is its only reader and
 * writer: the collector calls `applyEventsToRegistry` after Elasticsearch confirmed a batch and
 * `markSilentInstances` on an interval; `kiln fleet`, the policy, `kiln images` and
 * `kiln investigate` read through `scanRegistry` / `listInstances` / `getInstance` (paged).
 */
import type { Client } from '@elastic/elasticsearch';
import type { RegistryDocument } from '../../lib/fleet.ts';
import type { IndexNames } from '../../lib/indices.ts';
import type { WireEvent } from '../../lib/wire.ts';
import { applyEvents, type RegistryIdentity } from './apply.ts';
import { type UpdateOptions, updateRegistryDocument } from './store.ts';

export type { RegistryIdentity } from './apply.ts';
export {
  countInstances,
  type FleetFilter,
  type FleetSort,
  fleetSorts,
  getInstance,
  listInstances,
  readRegistry,
  type ScanOptions,
  scanRegistry,
  type VersionedDoc,
} from './query.ts';
export { markSilentInstances } from './silence.ts';
export { claimReplacement, updateRegistry } from './versioned.ts';

/** The kinds of event that change the registry (logs only refresh last_seen through heartbeats). */
const registryKinds = new Set(['facts', 'heartbeat', 'drift', 'lifecycle']);

/**
 * Changes one instance's document with optimistic concurrency (store.ts): `mutate` sees the
 * current document and returns the next, or undefined for no change.
 */
export function updateInstance(
  client: Client,
  names: IndexNames,
  instanceId: string,
  mutate: (current: RegistryDocument | undefined) => RegistryDocument | undefined,
  options: UpdateOptions = {},
): Promise<RegistryDocument | undefined> {
  return updateRegistryDocument(client, names.state('registry'), instanceId, mutate, options);
}

/** Applies a confirmed batch of one instance's events to its registry document. */
export async function applyEventsToRegistry(
  client: Client,
  names: IndexNames,
  identity: RegistryIdentity,
  events: WireEvent[],
  nowMs: number,
  options: UpdateOptions = {},
): Promise<RegistryDocument | undefined> {
  const relevant = events.filter((e) => registryKinds.has(e.kiln.kind));
  if (relevant.length === 0) return undefined;
  return updateRegistryDocument(
    client,
    names.state('registry'),
    identity.instanceId,
    (current) => applyEvents(current, identity, relevant, nowMs),
    options,
  );
}
