/**
 * How one event changes an instance's registry document. Pure: the same document and events
 * always give the same result, and applying an event twice changes nothing more (a batch the
 * agent sent again is harmless).
 */
import type { InstanceStatus, RegistryDocument } from '../../lib/fleet.ts';
import type { WireEvent } from '../../lib/wire.ts';

/** Who the event is from, as the instance token says (never the payload). */
export interface RegistryIdentity {
  instanceId: string;
  imageId?: string;
  bakeId?: string;
  hostname?: string;
}

/** How many drift event ids a document remembers to count re-delivered events once. */
const recentDriftIds = 200;

/** A new document for an instance first seen at `at`. */
export function newRegistryDocument(identity: RegistryIdentity, at: string): RegistryDocument {
  return {
    '@timestamp': at,
    cloud: { instance: { id: identity.instanceId } },
    kiln: {
      kind: 'registry',
      first_seen: at,
      last_seen: at,
      status: 'running',
      status_changed_at: at,
      drift: { state: 'unknown', count: 0 },
    },
  };
}

/** Applies the events in order to a copy of `current` (or a new document). */
export function applyEvents(
  current: RegistryDocument | undefined,
  identity: RegistryIdentity,
  events: readonly WireEvent[],
  nowMs: number,
): RegistryDocument {
  const now = new Date(nowMs).toISOString();
  const first = events[0]?.['@timestamp'] ?? now;
  const doc: RegistryDocument = structuredClone(current ?? newRegistryDocument(identity, first));
  stampIdentity(doc, identity);
  for (const event of events) applyEvent(doc, event, now);
  doc['@timestamp'] = now;
  return doc;
}

function stampIdentity(doc: RegistryDocument, identity: RegistryIdentity): void {
  doc.cloud.instance.id = identity.instanceId;
  if (identity.imageId) {
    doc.cloud.image = { ...doc.cloud.image, id: identity.imageId };
    doc.host = { ...doc.host, image: { id: identity.imageId } };
  }
  if (identity.bakeId) doc.kiln.bake = { ...doc.kiln.bake, id: identity.bakeId };
  if (identity.hostname) doc.host = { ...doc.host, name: doc.host?.name ?? identity.hostname };
}

function applyEvent(doc: RegistryDocument, event: WireEvent, now: string): void {
  const at = event['@timestamp'];
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return;
  if (earlier(at, doc.kiln.first_seen)) doc.kiln.first_seen = at;
  if (later(at, doc.kiln.last_seen)) doc.kiln.last_seen = at;
  switch (event.kiln.kind) {
    case 'facts':
      applyFacts(doc, event);
      revive(doc, at, now, 'facts received');
      break;
    case 'heartbeat':
      revive(doc, at, now, 'heartbeat received');
      break;
    case 'drift':
      applyDrift(doc, event, at);
      break;
    case 'lifecycle':
      applyLifecycle(doc, event, at, now);
      break;
    default:
      break;
  }
}

/** A silent instance that speaks again, or a terminated one that booted again, is running. */
function revive(doc: RegistryDocument, at: string, now: string, reason: string): void {
  const { status, shutdown } = doc.kiln;
  if (status === 'silent' || (status === 'terminated' && shutdown && later(at, shutdown.at))) {
    setStatus(doc, 'running', now, reason);
  }
}

function setStatus(doc: RegistryDocument, status: InstanceStatus, now: string, reason: string): void {
  if (doc.kiln.status === status) return;
  doc.kiln.status = status;
  doc.kiln.status_changed_at = now;
  doc.kiln.status_reason = reason;
}

function applyFacts(doc: RegistryDocument, event: WireEvent): void {
  const host = obj(event.host);
  const cloud = obj(event.cloud);
  const kiln = event.kiln as Record<string, unknown>;
  const facts = obj(kiln.facts);
  const image = obj(kiln.image);
  const os = obj(host.os);
  doc.host = prune({
    ...doc.host,
    name: str(host.name) ?? doc.host?.name,
    hostname: str(host.hostname) ?? doc.host?.hostname,
    boot: str(obj(host.boot).id) ? { id: str(obj(host.boot).id) } : doc.host?.boot,
    os:
      Object.keys(os).length > 0
        ? prune({ name: str(os.name), version: str(os.version), kernel: str(os.kernel) })
        : doc.host?.os,
  });
  doc.cloud = prune({
    ...doc.cloud,
    provider: str(cloud.provider) ?? doc.cloud.provider,
    region: str(cloud.region) ?? doc.cloud.region,
    availability_zone: str(cloud.availability_zone) ?? doc.cloud.availability_zone,
    machine: str(obj(cloud.machine).type) ? { type: str(obj(cloud.machine).type) } : doc.cloud.machine,
    account: str(obj(cloud.account).id) ? { id: str(obj(cloud.account).id) } : doc.cloud.account,
  });
  const version = str(obj(event.agent).version);
  if (version) doc.agent = { version };
  const bootTime = str(kiln.boot_time);
  if (bootTime) doc.kiln.boot_time = bootTime;
  const launchTime = str(kiln.launch_time);
  if (launchTime) doc.kiln.launch_time = launchTime;
  if (str(image.name) || str(image.version))
    doc.kiln.image = prune({ name: str(image.name), version: str(image.version) });
  const digest = str(facts.config_digest);
  if (digest) doc.kiln.agent_config_digest = digest;
  const group = str(facts.autoscaling_group);
  if (group) doc.kiln.group = group;
  if (typeof facts.baked === 'boolean') {
    doc.kiln.baked = facts.baked;
    // A baked image is checked against its baseline at boot: clean until a drift event says otherwise.
    if (doc.kiln.drift.state === 'unknown' && facts.baked) doc.kiln.drift.state = 'clean';
  }
  updateFirstAfterBoot(doc);
}

function applyDrift(doc: RegistryDocument, event: WireEvent, at: string): void {
  const drift = doc.kiln.drift;
  const ids = drift.recent_ids ?? [];
  if (ids.includes(event.event.id)) return;
  drift.recent_ids = [...ids, event.event.id].slice(-recentDriftIds);
  drift.state = 'drifted';
  drift.count += 1;
  if (!drift.first_at || earlier(at, drift.first_at)) drift.first_at = at;
  if (!drift.latest_at || !earlier(at, drift.latest_at)) {
    drift.latest_at = at;
    const path = str(obj(obj(event.kiln).drift).path);
    if (path) drift.latest_path = path;
  }
  updateFirstAfterBoot(doc);
}

function updateFirstAfterBoot(doc: RegistryDocument): void {
  const { drift, boot_time: boot } = doc.kiln;
  if (drift.first_at && boot) drift.first_after_boot_ms = Date.parse(drift.first_at) - Date.parse(boot);
}

/**
 * The agent's shutdown report: `kiln.lifecycle.phase: shutdown`, with the per-file completeness
 * in `kiln.completeness` (one object or a list). Complete when neither `kiln.lifecycle.complete`
 * nor any file says `complete: false`.
 */
function applyLifecycle(doc: RegistryDocument, event: WireEvent, at: string, now: string): void {
  const lifecycle = obj(obj(event.kiln).lifecycle);
  const phase = str(lifecycle.phase);
  if (phase === 'start') revive(doc, at, now, 'agent started');
  if (phase !== 'shutdown' && phase !== 'stop') return;
  if (doc.kiln.shutdown && !later(at, doc.kiln.shutdown.at) && at !== doc.kiln.shutdown.at) return;
  const completeness = (event.kiln as Record<string, unknown>).completeness;
  const files = Array.isArray(completeness) ? completeness : completeness ? [completeness] : [];
  const complete = lifecycle.complete !== false && files.every((f) => obj(f).complete !== false);
  doc.kiln.shutdown = { at, complete };
  if (complete && (doc.kiln.status === 'running' || doc.kiln.status === 'silent')) {
    setStatus(doc, 'terminated', now, 'clean shutdown report');
  }
}

function later(a: string, b: string): boolean {
  return Date.parse(a) > Date.parse(b);
}

function earlier(a: string, b: string): boolean {
  return Date.parse(a) < Date.parse(b);
}

function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Removes undefined members so a partial fact never erases a known one. */
function prune<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
