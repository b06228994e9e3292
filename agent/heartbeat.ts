/**
 * The heartbeat source: a small lifecycle event every `heartbeat.intervalMs` (and one at start),
 * which keeps the instance `running` in the fleet registry; missing ones make it `silent`.
 */
import { uptime } from 'node:os';
import type { Logger } from '../lib/log.ts';
import { kilnVersion } from '../lib/version.ts';
import { deriveEventId, type WireEvent } from '../lib/wire.ts';
import type { AgentConfig } from './config.ts';
import type { AgentIdentity, Source } from './pipeline/source.ts';

/** The heartbeat event at `nowMs`; its id is unique per boot and millisecond. */
export function buildHeartbeatEvent(
  identity: AgentIdentity,
  nowMs: number,
  uptimeSeconds: number,
): WireEvent {
  return {
    '@timestamp': new Date(nowMs).toISOString(),
    message: `heartbeat from ${identity.instanceId}`,
    event: {
      id: deriveEventId(identity.instanceId, `heartbeat:${identity.bootId}`, nowMs),
      kind: 'metric',
      category: ['host'],
      type: ['info'],
      action: 'heartbeat',
      dataset: 'kiln.heartbeat',
    },
    host: {
      hostname: identity.hostname,
      name: identity.hostname,
      boot: { id: identity.bootId },
      uptime: Math.round(uptimeSeconds),
    },
    cloud: { instance: { id: identity.instanceId } },
    agent: { type: 'kiln-agent', name: 'kiln-agent', version: kilnVersion },
    kiln: { kind: 'heartbeat', lifecycle: { phase: 'heartbeat' } },
  };
}

/** Options for tests: the clock. */
export interface HeartbeatSourceOptions {
  now?: () => number;
}

/** Creates the heartbeat source (the agent runtime wires it). */
export function createHeartbeatSource(
  config: AgentConfig,
  identity: AgentIdentity,
  log: Logger,
  options: HeartbeatSourceOptions = {},
): Source {
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let pending: Promise<void> | undefined;

  return {
    name: 'heartbeat',
    async start(sink) {
      if (timer || stopped) return;
      const beat = () => {
        // A heartbeat still queued (collector unreachable) is not doubled: the next one replaces it.
        if (pending || stopped) return;
        pending = sink
          .push(buildHeartbeatEvent(identity, now(), uptime()), () => {})
          .catch((error) => log.warn('heartbeat not queued', { error: String(error) }))
          .finally(() => (pending = undefined));
      };
      beat();
      timer = setInterval(beat, config.heartbeat.intervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await pending;
    },
  };
}
