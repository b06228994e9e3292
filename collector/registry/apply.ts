/**
 * How one event changes an instance's registry document. Pure: the same document and events
 * always give the same result, and applying an event twice changes nothing more (a batch the
 * agent sent again is harmless). Identity (instance, image, bake, account, region, host name,
 * launch time when attested) comes from the instance token; what only the instance says (its
 * facts) is recorded with `kiln.provenance.<fact>: claimed`, and never overrides an attested value.
 */

import { driftSeverity, moreSevere } from '../../lib/drift-severity.ts';
import type { InstanceStatus, Provenance, RegistryDocument } from '../../lib/fleet.ts';
import type { WireEvent } from '../../lib/wire.ts';
import { type InstanceIdentity, trustOf } from '../tokens/identity.ts';

/** Who the event is from, as the instance token says (never the payload). */
export type RegistryIdentity = InstanceIdentity;

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
  const first = notAfter(events[0]?.['@timestamp'] ?? now, now);
  const doc: RegistryDocument = structuredClone(current ?? newRegistryDocument(identity, first));
  stampIdentity(doc, identity);
  for (const event of events) applyEvent(doc, event, now);
  doc['@timestamp'] = now;
  return doc;
}

/** The token's identity, over whatever the document held. */
function stampIdentity(doc: RegistryDocument, identity: RegistryIdentity): void {
  const provenance: Record<string, Provenance> = { ...doc.kiln.provenance };
  doc.cloud.instance.id = identity.instanceId;
  const set = <T>(value: T | undefined, fact: string, apply: (v: T) => void) => {
    if (value === undefined || !identity.provenance?.[fact as keyof typeof identity.provenance]) return;
    apply(value);
    provenance[fact] = identity.provenance[fact as keyof typeof identity.provenance]!;
  };
  if (identity.method === 'aws-iid') doc.cloud.provider = 'aws';
  set(identity.imageId, 'image_id', (id) => {
    doc.cloud.image = { ...doc.cloud.image, id };
    doc.host = { ...doc.host, image: { id } };
  });
  set(identity.accountId, 'account_id', (id) => (doc.cloud.account = { id }));
  set(identity.region, 'region', (region) => (doc.cloud.region = region));
  set(identity.availabilityZone, 'availability_zone', (zone) => (doc.cloud.availability_zone = zone));
  set(identity.instanceType, 'instance_type', (type) => (doc.cloud.machine = { type }));
  set(identity.bakeId, 'bake_id', (id) => (doc.kiln.bake = { ...doc.kiln.bake, id }));
  set(identity.hostname, 'host_name', (name) => (doc.host = { ...doc.host, name }));
  set(identity.launchTime, 'launch_time', (at) => (doc.kiln.launch_time = at));
  set(identity.autoscalingGroup, 'autoscaling_group', (group) => (doc.kiln.group = group));
  doc.kiln.provenance = provenance;
  doc.kiln.enrollment = {
    method: identity.method,
    trust: trustOf(identity.method),
    enrolled_at: identity.enrolledAt,
    agent_id: identity.agentId,
  };
}

/** True when `fact` holds a value the instance's own word must not replace. */
function vouched(doc: RegistryDocument, fact: string): boolean {
  const p = doc.kiln.provenance?.[fact];
  return p !== undefined && p !== 'claimed';
}

function applyEvent(doc: RegistryDocument, event: WireEvent, now: string): void {
  const sent = event['@timestamp'];
  if (typeof sent !== 'string' || Number.isNaN(Date.parse(sent))) return;
  // An instance's clock may be wrong, or lie: the registry never records a time after now.
  const at = notAfter(sent, now);
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

/**
 * Facts are the instance's own account of itself. The collector stamped attested values over the
 * event's `cloud.*` and moved what the instance claimed beyond them to `kiln.facts.claimed`; a
 * claim fills a fact only where nothing better vouches for it, and is marked as claimed.
 */
function applyFacts(doc: RegistryDocument, event: WireEvent): void {
  const host = obj(event.host);
  const kiln = event.kiln as Record<string, unknown>;
  const facts = obj(kiln.facts);
  const claimed = obj(facts.claimed);
  const image = obj(kiln.image);
  const os = obj(host.os);
  const provenance: Record<string, Provenance> = { ...doc.kiln.provenance };
  const claim = (fact: string, value: string | undefined, apply: (v: string) => void) => {
    if (value === undefined || vouched(doc, fact)) return;
    apply(value);
    provenance[fact] = 'claimed';
  };
  doc.host = prune({
    ...doc.host,
    hostname: str(host.hostname) ?? doc.host?.hostname,
    boot: str(obj(host.boot).id) ? { id: str(obj(host.boot).id) } : doc.host?.boot,
    os:
      Object.keys(os).length > 0
        ? prune({ name: str(os.name), version: str(os.version), kernel: str(os.kernel) })
        : doc.host?.os,
  });
  claim('region', str(claimed.region), (v) => (doc.cloud.region = v));
  claim('availability_zone', str(claimed.availability_zone), (v) => (doc.cloud.availability_zone = v));
  claim('instance_type', str(claimed.instance_type), (v) => (doc.cloud.machine = { type: v }));
  claim('account_id', str(claimed.account_id), (v) => (doc.cloud.account = { id: v }));
  claim('launch_time', str(claimed.launch_time), (v) => (doc.kiln.launch_time = v));
  claim('autoscaling_group', str(facts.autoscaling_group), (v) => (doc.kiln.group = v));
  if (!doc.cloud.provider && str(claimed.provider)) doc.cloud.provider = str(claimed.provider);
  const version = str(obj(event.agent).version);
  if (version) doc.agent = { version };
  const bootTime = str(kiln.boot_time);
  if (bootTime) {
    doc.kiln.boot_time = bootTime;
    provenance.boot_time = 'claimed';
  }
  doc.kiln.provenance = provenance;
  if (str(image.name) || str(image.version))
    doc.kiln.image = prune({ name: str(image.name), version: str(image.version) });
  const digest = str(facts.config_digest);
  if (digest) doc.kiln.agent_config_digest = digest;
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
  const fields = obj(obj(event.kiln).drift);
  if (!drift.latest_at || !earlier(at, drift.latest_at)) {
    drift.latest_at = at;
    const path = str(fields.path);
    if (path) drift.latest_path = path;
  }
  // Derived again here, never read from the event: severity decides how soon a policy replaces.
  const severity = driftSeverity({
    category: str(fields.category) ?? '',
    change: str(fields.change) ?? '',
    path: str(fields.path) ?? '',
    attribute: str(fields.attribute),
  });
  drift.severity = moreSevere(drift.severity, severity);
  const bySeverity = { ...(drift.first_at_by_severity ?? {}) };
  const seen = bySeverity[severity];
  if (!seen || earlier(at, seen)) bySeverity[severity] = at;
  drift.first_at_by_severity = bySeverity;
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
  applyTermination(doc, lifecycle, phase, at);
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

/** `at`, or `now` when `at` is later. */
function notAfter(at: string, now: string): string {
  return Date.parse(at) > Date.parse(now) ? now : at;
}

/**
 * A termination notice opens a termination (`pending`); the final shutdown report of that
 * termination marks it `reported`, which lets the collector complete the lifecycle action
 * (collector/termination). States past `reported` belong to the collector, never to events.
 */
function applyTermination(
  doc: RegistryDocument,
  lifecycle: Record<string, unknown>,
  phase: string | undefined,
  at: string,
): void {
  const kind = str(lifecycle.termination);
  if (kind !== 'autoscaling' && kind !== 'spot') return;
  const current = doc.kiln.termination;
  const open = current && (current.state === 'pending' || current.state === 'reported');
  if (phase === 'termination_notice' && !open) {
    if (current && !later(at, current.notice_at)) return;
    doc.kiln.termination = { state: 'pending', kind, notice_at: at };
  } else if (phase === 'shutdown' && lifecycle.final === true) {
    if (current && !open) return;
    doc.kiln.termination = {
      ...(current ?? { kind, notice_at: at }),
      state: 'reported',
      report_at: at,
      complete: lifecycle.complete === true,
    };
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
