/**
 * Who this agent runs as: the instance id (config override, else EC2 IMDSv2, else the machine
 * id), hostname, boot id, and the baked image and bake ids when known.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { AgentConfig } from './config.ts';
import type { AgentIdentity } from './pipeline/source.ts';

/** Reads a small system file, or undefined when absent. */
function readTrimmed(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Resolves the identity once at start. */
export async function resolveIdentity(config: AgentConfig): Promise<AgentIdentity> {
  const machineId = readTrimmed('/etc/machine-id') ?? readTrimmed('/var/lib/dbus/machine-id');
  const instanceId =
    config.instanceId ?? (machineId ? `host-${machineId.slice(0, 16)}` : `host-${hostname()}`);
  return {
    instanceId,
    hostname: hostname(),
    bootId: readTrimmed('/proc/sys/kernel/random/boot_id') ?? 'unknown',
  };
}
