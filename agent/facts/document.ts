/**
 * Builds the facts event from what was collected: ECS `host.*` and `cloud.*`
 * (https://www.elastic.co/guide/en/ecs/current/ecs-host.html, ecs-cloud.html), the image id also
 * as `host.image.id` (OpenTelemetry host semantic conventions), and `kiln.*` for what ECS lacks.
 * Pure, so the exact document is tested without a machine.
 */

import { deriveEventId, type WireEvent } from '../../lib/wire.ts';
import { digestOf } from '../baseline/digest.ts';
import type { AgentIdentity } from '../pipeline/source.ts';
import type { HostFacts } from './host.ts';
import type { CloudFacts } from './imds.ts';
import type { ManifestFacts } from './manifest.ts';

/** Everything a facts event is made of. */
export interface CollectedFacts {
  host: HostFacts;
  cloud?: CloudFacts;
  image: ManifestFacts;
  agentVersion: string;
  configDigest: string;
}

/**
 * A digest of the facts that matter for "did a fact change": everything but the uptime,
 * which changes every second.
 */
export function factsFingerprint(facts: CollectedFacts): string {
  const { uptimeSeconds: _uptime, ...host } = facts.host;
  return digestOf({ ...facts, host });
}

/** The facts event; its id is stable for the same facts in the same boot, so a resend is no duplicate. */
export function buildFactsEvent(facts: CollectedFacts, identity: AgentIdentity, nowMs: number): WireEvent {
  const { host, cloud, image } = facts;
  const fingerprint = factsFingerprint(facts);
  const imageId = cloud?.imageId ?? identity.imageId;
  const manifest = image.baked ? image.manifest : undefined;
  const bakeId = manifest?.bakeId ?? identity.bakeId;
  return compact({
    '@timestamp': new Date(nowMs).toISOString(),
    message: `boot facts of ${identity.instanceId} (${host.hostname}${imageId ? `, image ${imageId}` : ''})`,
    event: {
      id: deriveEventId(identity.instanceId, `facts:${host.bootId ?? identity.bootId}`, fingerprint),
      kind: 'state',
      category: ['host'],
      type: ['info'],
      dataset: 'kiln.facts',
    },
    host: {
      name: host.hostname,
      hostname: host.hostname,
      id: host.machineId,
      boot: { id: host.bootId ?? identity.bootId },
      os: host.os,
      architecture: host.architecture,
      ip: host.ips,
      mac: host.macs,
      uptime: host.uptimeSeconds,
      image: imageId ? { id: imageId } : undefined,
    },
    cloud: {
      provider: cloud?.provider,
      instance: { id: identity.instanceId },
      image: imageId ? { id: imageId } : undefined,
      machine: cloud?.instanceType ? { type: cloud.instanceType } : undefined,
      region: cloud?.region,
      availability_zone: cloud?.availabilityZone,
      account: cloud?.accountId ? { id: cloud.accountId } : undefined,
    },
    agent: { type: 'kiln-agent', name: 'kiln-agent', version: facts.agentVersion },
    kiln: {
      kind: 'facts',
      boot_time: host.bootTime,
      launch_time: cloud?.launchTime,
      bake: bakeId ? { id: bakeId } : undefined,
      image: manifest
        ? {
            name: manifest.name,
            version: manifest.version,
            parent: manifest.parent,
            built_at: manifest.builtAt,
            git_revision: manifest.gitRevision,
            git_dirty: manifest.gitDirty,
            baseline_digest: manifest.baselineDigest,
            packages_digest: manifest.packagesDigest,
            bake_key: manifest.bakeKey,
          }
        : undefined,
      facts: {
        baked: image.baked,
        machine_id: host.machineId,
        cpus: host.cpus,
        memory_bytes: host.memoryBytes,
        macs: host.macs,
        config_digest: facts.configDigest,
        lifecycle_state: cloud?.lifecycleState,
        spot_action: cloud?.spotAction,
        autoscaling_group: cloud?.autoscalingGroup,
        fingerprint,
      },
    },
  }) as WireEvent;
}

/** Drops undefined members and objects left empty, so the document holds only what is known. */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    const inner = compact(member);
    if (inner === undefined) continue;
    if (
      typeof inner === 'object' &&
      inner !== null &&
      !Array.isArray(inner) &&
      Object.keys(inner).length === 0
    )
      continue;
    out[key] = inner;
  }
  return out as T;
}
