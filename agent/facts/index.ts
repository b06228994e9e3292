/**
 * The boot facts source: collects host, cloud (IMDSv2) and image facts once at start, then again
 * every `facts.refreshIntervalMs`, and sends a facts event when (and only when) they changed.
 */

import { describeError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { kilnVersion } from '../../lib/version.ts';
import { digestOf } from '../baseline/digest.ts';
import type { AgentConfig } from '../config.ts';
import type { AgentIdentity, EventSink, Source } from '../pipeline/source.ts';
import { buildFactsEvent, type CollectedFacts, factsFingerprint } from './document.ts';
import { collectHostFacts } from './host.ts';
import { fetchCloudFacts } from './imds.ts';
import { readImageManifest } from './manifest.ts';

/** Collects every fact once. */
export async function collectFacts(config: AgentConfig, nowMs: number): Promise<CollectedFacts> {
  const [host, cloud, image] = await Promise.all([
    collectHostFacts(nowMs),
    fetchCloudFacts({ baseUrl: config.facts.imdsUrl, timeoutMs: config.facts.imdsTimeoutMs }),
    readImageManifest(config.facts.manifestPath),
  ]);
  return {
    host,
    ...(cloud ? { cloud } : {}),
    image,
    agentVersion: kilnVersion,
    configDigest: digestOf(config),
  };
}

/** Options for tests: the clock and the collector. */
export interface FactsSourceOptions {
  now?: () => number;
  collect?: (nowMs: number) => Promise<CollectedFacts>;
}

/** Creates the facts source (the agent runtime wires it). */
export function createFactsSource(
  config: AgentConfig,
  identity: AgentIdentity,
  log: Logger,
  options: FactsSourceOptions = {},
): Source {
  const now = options.now ?? Date.now;
  const collect = options.collect ?? ((nowMs: number) => collectFacts(config, nowMs));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastFingerprint: string | undefined;
  let stopped = false;

  const refresh = async (sink: EventSink) => {
    try {
      const nowMs = now();
      const facts = await collect(nowMs);
      const fingerprint = factsFingerprint(facts);
      if (stopped || fingerprint === lastFingerprint) return;
      if (!facts.image.baked)
        log.info('no image manifest: this image was not baked by kiln', { path: config.facts.manifestPath });
      lastFingerprint = fingerprint;
      await sink.push(buildFactsEvent(facts, identity, nowMs), () => {});
    } catch (error) {
      log.warn('collecting boot facts failed; will retry at the next refresh', {
        error: describeError(error),
      });
    }
  };

  return {
    name: 'facts',
    async start(sink) {
      if (!config.facts.enabled || timer || stopped) return;
      running = refresh(sink);
      timer = setInterval(() => {
        if (!running) running = refresh(sink).finally(() => (running = undefined));
      }, config.facts.refreshIntervalMs);
      timer.unref();
      running = running.finally(() => (running = undefined));
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
