/**
 * Who this agent runs as: the instance id (config override, else EC2 IMDSv2, else the machine
 * id), hostname, boot id, and the baked image and bake ids when known.
 */
import { hostname } from 'node:os';
import type { AgentConfig } from './config.ts';
import { linuxHostFactPaths, readMachineId, readTrimmed } from './facts/host.ts';
import { ImdsClient } from './facts/imds.ts';
import { readImageManifest } from './facts/manifest.ts';
import type { AgentIdentity } from './pipeline/source.ts';

/** Resolves the identity once at start. Off EC2 the image id is unknown; without a manifest, the bake id. */
export async function resolveIdentity(config: AgentConfig): Promise<AgentIdentity> {
  const imds = new ImdsClient({ baseUrl: config.facts.imdsUrl, timeoutMs: config.facts.imdsTimeoutMs });
  const [imdsInstanceId, imageId, machineId, bootId, image] = await Promise.all([
    config.instanceId ? Promise.resolve(undefined) : imds.get('meta-data/instance-id'),
    imds.get('meta-data/ami-id'),
    readMachineId(linuxHostFactPaths),
    readTrimmed(linuxHostFactPaths.bootId),
    readImageManifest(config.facts.manifestPath).catch(() => ({ baked: false as const })),
  ]);
  const instanceId =
    config.instanceId ??
    imdsInstanceId?.trim() ??
    (machineId ? `host-${machineId.slice(0, 16)}` : `host-${hostname()}`);
  const identity: AgentIdentity = { instanceId, hostname: hostname(), bootId: bootId ?? 'unknown' };
  if (imageId?.trim()) identity.imageId = imageId.trim();
  if (image.baked && image.manifest.bakeId) identity.bakeId = image.manifest.bakeId;
  return identity;
}
