/**
 * What `kiln collector run` adds to the bare ingest: the fleet registry (updated from durable
 * events, silence sweep) and, with `--policy`, the policy loop. Kept here so collector/runtime.ts
 * does not import the parts it hosts.
 */
import { loadPolicy, startPolicyLoop } from '../collector/policy/index.ts';
import { applyEventsToRegistry, markSilentInstances } from '../collector/registry/index.ts';
import type { CollectorRunOptions, PeriodicJob } from '../collector/runtime.ts';
import { createTermination, type TerminationSettings } from '../collector/termination/index.ts';
import type { Logger } from '../lib/log.ts';

/** Settings for the extensions. */
export interface ExtensionSettings {
  silenceAfterMs: number;
  policyFile?: string;
  policyIntervalMs: number;
  /** Complete Auto Scaling lifecycle actions after the agents' final reports (`--lifecycle-hooks`). */
  termination?: TerminationSettings;
  log: Logger;
}

/** The hooks, jobs and companions to run inside the collector. */
export function collectorExtensions(
  settings: ExtensionSettings,
): Pick<CollectorRunOptions, 'onDurable' | 'jobs' | 'companions' | 'onReady'> {
  // Load the policy before anything starts, so a bad file fails the command at once.
  const policy = settings.policyFile ? loadPolicy(settings.policyFile) : undefined;
  let termination: ReturnType<typeof createTermination> | undefined;
  const terminationJobs: PeriodicJob[] = settings.termination
    ? [{ name: 'termination', intervalMs: settings.termination.intervalMs, run: () => termination!.sweep() }]
    : [];
  return {
    onReady: ({ client, names, collectorId }) => {
      if (settings.termination)
        termination = createTermination(settings.termination, { client, names, collectorId });
      return {
        onDurable: async (identity, events, nowMs) => {
          await applyEventsToRegistry(client, names, identity, events, nowMs);
          // After the registry holds the notice or report: the token's instance id, never a payload's.
          termination?.afterBatch(identity.instanceId, events);
        },
      };
    },
    jobs: [
      ...terminationJobs,
      {
        name: 'silence',
        intervalMs: Math.max(1000, Math.min(settings.silenceAfterMs / 2, 60_000)),
        run: async ({ client, names, nowMs }) => {
          const silent = await markSilentInstances(client, names, settings.silenceAfterMs, nowMs);
          if (silent.length) settings.log.info('instances turned silent', { 'cloud.instance.id': silent });
        },
      },
    ],
    companions: ({ client, names, collectorId }) => [
      ...(policy
        ? [
            startPolicyLoop({
              client,
              names,
              policy,
              intervalMs: settings.policyIntervalMs,
              log: settings.log,
              collectorId,
            }),
          ]
        : []),
      { stop: async () => termination?.stop() },
    ],
  };
}
