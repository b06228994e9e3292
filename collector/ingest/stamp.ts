/**
 * Stamps the collector's truth on a normalised event (pure). The collector owns `cloud.*`,
 * `host.id`, `host.name`, `host.image.id`, `agent.id`, `event.ingested` and `kiln.*` outside the
 * event kind's own fields: whatever the payload put there is overwritten from the identity the
 * instance token stands for, or dropped. So nothing an instance sends can make its documents
 * speak for another instance, or claim an image, bake or launch time the collector did not
 * attest. Also routes each event to its daily index: by its own `@timestamp` inside the accepted
 * window, else by the day it arrived (an instance cannot create indices for any day it likes).
 *
 * Log lines carry the lean identity by default (`logIdentity: lean`): `cloud.instance.id`,
 * `cloud.image.id`, `host.name` and `kiln.bake.id`, enough to find, filter and group
 * them by instance, image and bake. What is constant per instance (provider, account, region,
 * zone, machine type, and `host.image.id`, the same value as `cloud.image.id`) is stamped on
 * facts, drift and lifecycle documents and kept in the registry, not on every line, where it
 * cost Elasticsearch about 11 % of its CPU per line (bench/RESULTS.md). A lean log line's stored
 * document also leaves out the agent's own ids, which the `_id` already holds: `event.id` and
 * `kiln.log.fingerprint` (the `_id` is built from them, stored-id.ts) and `agent.id` (the
 * instance's, in the registry and on every lifecycle event); together they cost Elasticsearch
 * about 10 % of its CPU per line (bench/RESULTS.md). `full` stamps and stores it all.
 */

import { driftSeverity } from '../../lib/drift-severity.ts';
import type { EventFamily, IndexNames } from '../../lib/indices.ts';
import type { EventKind, WireEvent } from '../../lib/wire.ts';
import type { DocumentItem } from '../storage/bulk-writer/encoder.ts';
import type { InstanceIdentity } from '../tokens/identity.ts';
import { isPlainObject } from './normalize.ts';
import { storedIdOfEvent } from './stored-id.ts';

/** Which index family each event kind is stored in (heartbeats are lifecycle events). */
export const familyOfKind: Record<EventKind, EventFamily> = {
  log: 'logs',
  facts: 'facts',
  drift: 'drift',
  lifecycle: 'lifecycle',
  heartbeat: 'lifecycle',
};

/** The `kiln.*` members each kind may carry as sent; every other `kiln.*` member is the collector's. */
export const instanceOwnedKiln: Record<EventKind, readonly string[]> = {
  log: ['log'],
  facts: ['facts', 'image', 'boot_time'],
  drift: ['drift'],
  lifecycle: ['lifecycle', 'completeness'],
  heartbeat: ['lifecycle'],
};

/** Where the accepted `@timestamp`s end, relative to the arrival time. */
export interface TimestampWindow {
  maxPastMs: number;
  maxFutureMs: number;
}

/** How much of the identity a log line carries (see the file comment). */
export type LogIdentity = 'lean' | 'full';

/** Returns the event with the identity stamped over whatever it claimed (see the file comment). */
export function stampIdentity(
  event: WireEvent,
  identity: InstanceIdentity,
  ingestedAt: string,
  logIdentity: LogIdentity = 'lean',
): WireEvent {
  const { cloud: claimedCloud, host: claimedHost, agent: claimedAgent, kiln: claimedKiln, ...rest } = event;
  const kind = claimedKiln.kind;
  const kiln: Record<string, unknown> = { kind };
  for (const member of instanceOwnedKiln[kind]) {
    if (claimedKiln[member] !== undefined) kiln[member] = claimedKiln[member];
  }
  if (identity.bakeId) kiln.bake = { id: identity.bakeId };
  if (kind === 'facts') stampFacts(kiln, claimedCloud, claimedKiln, identity);
  if (kind === 'drift') stampDriftSeverity(kiln);
  const host: Record<string, unknown> = { ...(isPlainObject(claimedHost) ? claimedHost : {}) };
  delete host.id;
  delete host.name;
  delete host.image;
  const lean = kind === 'log' && logIdentity === 'lean';
  if (identity.hostname) host.name = identity.hostname;
  if (identity.imageId && !lean) host.image = { id: identity.imageId };
  const agent: Record<string, unknown> = { ...(isPlainObject(claimedAgent) ? claimedAgent : {}) };
  agent.id = identity.agentId;
  return {
    ...rest,
    event: { ...event.event, ingested: ingestedAt },
    cloud: cloudOf(identity, lean),
    host,
    agent,
    kiln: kiln as WireEvent['kiln'],
  } as WireEvent;
}

/**
 * The `cloud.*` fields of an identity: only what enrollment established; `lean`, a log line's
 * (the instance and its image).
 */
export function cloudOf(identity: InstanceIdentity, lean = false): Record<string, unknown> {
  const cloud: Record<string, unknown> = { instance: { id: identity.instanceId } };
  if (identity.imageId) cloud.image = { id: identity.imageId };
  if (lean) return cloud;
  if (identity.method === 'aws-iid') cloud.provider = 'aws';
  if (identity.accountId) cloud.account = { id: identity.accountId };
  if (identity.region) cloud.region = identity.region;
  if (identity.availabilityZone) cloud.availability_zone = identity.availabilityZone;
  if (identity.instanceType) cloud.machine = { type: identity.instanceType };
  return cloud;
}

/**
 * Facts are where an instance describes its cloud and launch. Attested values win; what the
 * instance claimed beyond them is kept, marked as claimed, under `kiln.facts.claimed`.
 */
function stampFacts(
  kiln: Record<string, unknown>,
  claimedCloud: unknown,
  claimedKiln: WireEvent['kiln'],
  identity: InstanceIdentity,
): void {
  const facts: Record<string, unknown> = { ...(isPlainObject(kiln.facts) ? kiln.facts : {}) };
  delete facts.claimed;
  const claimed: Record<string, unknown> = {};
  const cloud = isPlainObject(claimedCloud) ? claimedCloud : {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const pick = (key: string, value: string | undefined, attested: string | undefined) => {
    if (value !== undefined && value !== attested) claimed[key] = value;
  };
  pick('provider', str(cloud.provider), identity.method === 'aws-iid' ? 'aws' : undefined);
  pick('region', str(cloud.region), identity.region);
  pick('availability_zone', str(cloud.availability_zone), identity.availabilityZone);
  pick('account_id', str(isPlainObject(cloud.account) ? cloud.account.id : undefined), identity.accountId);
  pick(
    'instance_type',
    str(isPlainObject(cloud.machine) ? cloud.machine.type : undefined),
    identity.instanceType,
  );
  pick('image_id', str(isPlainObject(cloud.image) ? cloud.image.id : undefined), identity.imageId);
  pick('launch_time', str(claimedKiln.launch_time), identity.launchTime);
  pick('bake_id', str(isPlainObject(claimedKiln.bake) ? claimedKiln.bake.id : undefined), identity.bakeId);
  if (Object.keys(claimed).length > 0) facts.claimed = claimed;
  kiln.facts = facts;
  if (identity.launchTime) kiln.launch_time = identity.launchTime;
}

export { storedIdOf } from './stored-id.ts';

/** The daily index of an event: its own day inside the window, else the day it arrived. */
export function routeEvent(
  event: WireEvent,
  names: IndexNames,
  window: TimestampWindow,
  nowMs: number,
): { index: string; outOfWindow: boolean } {
  return routeAt(Date.parse(event['@timestamp']), event.kiln.kind, names, window, nowMs);
}

/** routeEvent for an event of `kind` whose `@timestamp` is `at` (ms; NaN when it is not a date). */
export function routeAt(
  at: number,
  kind: WireEvent['kiln']['kind'],
  names: IndexNames,
  window: TimestampWindow,
  nowMs: number,
): { index: string; outOfWindow: boolean } {
  const family = familyOfKind[kind];
  const inside = at >= nowMs - window.maxPastMs && at <= nowMs + window.maxFutureMs;
  return { index: names.daily(family, inside ? at : nowMs), outOfWindow: !inside };
}

/** Turns stamped events into bulk items, each in its daily index (see routeEvent). */
export function toBulkItems(
  events: readonly WireEvent[],
  names: IndexNames,
  instanceId: string,
  window: TimestampWindow,
  nowMs: number,
  logIdentity: LogIdentity = 'lean',
): DocumentItem[] {
  return events.map((event) => toBulkItem(event, names, instanceId, window, nowMs, logIdentity));
}

/**
 * Turns one stamped event into its bulk item (see toBulkItems): its `_id` from the event's own
 * ids, then the document, which for a lean log line leaves them out (see the file comment).
 */
export function toBulkItem(
  event: WireEvent,
  names: IndexNames,
  instanceId: string,
  window: TimestampWindow,
  nowMs: number,
  logIdentity: LogIdentity = 'lean',
): DocumentItem {
  const route = routeEvent(event, names, window, nowMs);
  const stored = event.kiln.kind === 'log' && logIdentity === 'lean' ? withoutAgentIds(event) : event;
  const doc = route.outOfWindow
    ? { ...stored, kiln: { ...stored.kiln, ingest: { out_of_window: true } } }
    : stored;
  return { id: storedIdOfEvent(instanceId, event), index: route.index, doc };
}

/** A log line without `agent`, `event.id` and `kiln.log.fingerprint`; key order kept. */
function withoutAgentIds(event: WireEvent): WireEvent {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'agent') continue;
    if (key === 'event') {
      const { id: _id, ...rest } = value as WireEvent['event'];
      if (Object.keys(rest).length > 0) out.event = rest;
    } else if (key === 'kiln') {
      const { kind, log, ...others } = value as WireEvent['kiln'];
      const { fingerprint: _fingerprint, ...kept } = isPlainObject(log) ? log : {};
      out.kiln = Object.keys(kept).length > 0 ? { kind, log: kept, ...others } : { kind, ...others };
    } else out[key] = value;
  }
  return out as WireEvent;
}

/**
 * The severity of a drift event is the collector's: derived from what changed (category,
 * change, path, attribute) by the shared table, whatever the instance put in the field.
 */
function stampDriftSeverity(kiln: Record<string, unknown>): void {
  const drift = kiln.drift;
  if (!isPlainObject(drift)) return;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  kiln.drift = {
    ...drift,
    severity: driftSeverity({
      category: text(drift.category),
      change: text(drift.change),
      path: text(drift.path),
      attribute: text(drift.attribute),
    }),
  };
}
