/**
 * What `kiln collector run` adds to the bare ingest: the fleet registry (updated from durable
 * events, silence sweep) and the policy loop. Kept here so collector/runtime.ts does not import
 * the parts it hosts.
 */
import type { CollectorRunOptions } from '../collector/runtime.ts';
import type { Logger } from '../lib/log.ts';

/** Settings for the extensions. */
export interface ExtensionSettings {
  silenceAfterMs: number;
  policyFile?: string;
  policyIntervalMs: number;
  log: Logger;
}

/** The hooks, jobs and companions to run inside the collector. */
export function collectorExtensions(
  _settings: ExtensionSettings,
): Pick<CollectorRunOptions, 'onDurable' | 'jobs' | 'companions'> {
  return {};
}
