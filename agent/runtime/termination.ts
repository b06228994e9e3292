/** Wires the termination watcher to the runtime: a notice ships its event, then drains the agent. */
import type { Logger } from '../../lib/log.ts';
import type { AgentConfig } from '../config.ts';
import { TerminationWatcher } from '../termination/watcher.ts';
import type { AgentRuntime } from './agent-runtime.ts';
import { buildTerminationNoticeEvent } from './lifecycle-events.ts';

/** The watcher for this runtime (started with the other sources). */
export function createTerminationWatcher(
  config: AgentConfig,
  runtime: AgentRuntime,
  log: Logger,
  now: () => number,
): TerminationWatcher {
  return new TerminationWatcher({
    imdsUrl: config.facts.imdsUrl,
    imdsTimeoutMs: config.facts.imdsTimeoutMs,
    pollIntervalMs: config.termination.pollIntervalMs,
    noticeEvent: (notice) => buildTerminationNoticeEvent(runtime.identity, runtime.runId, now(), notice),
    onNotice: (notice) =>
      runtime.requestTermination(
        notice.kind,
        notice.kind === 'spot' ? 'spot interruption' : 'Auto Scaling termination',
      ),
    log: log.child('termination'),
  });
}
