/**
 * The collector's side of "termination that waits for the last line": when an agent's final
 * report of an Auto Scaling or spot termination is durable (or a deadline after its notice
 * passed), complete the instance's lifecycle action so the group goes on terminating it.
 */
import type { Client } from '@elastic/elasticsearch';
import type { IndexNames } from '../../lib/indices.ts';
import type { Logger } from '../../lib/log.ts';
import type { WireEvent } from '../../lib/wire.ts';
import { TerminationCompleter } from './completer.ts';
import { type LifecycleHookSettings, LifecycleHooks } from './lifecycle-hooks.ts';

export { TerminationCompleter } from './completer.ts';
export { decideTermination } from './decide.ts';
export { LifecycleHooks } from './lifecycle-hooks.ts';

/** `kiln collector run --lifecycle-hooks` settings; each states its default. */
export interface TerminationSettings extends LifecycleHookSettings {
  /** Complete after this long without a final report. Default 120 000 ms. */
  deadlineMs: number;
  /** How often open terminations are checked for their deadline. Default 5000 ms. */
  intervalMs: number;
  log: Logger;
}

/** True for the events after which an instance's termination is worth a look. */
export function mentionsTermination(event: WireEvent): boolean {
  const lifecycle = (event.kiln as { lifecycle?: { phase?: unknown; termination?: unknown } }).lifecycle;
  return event.kiln.kind === 'lifecycle' && typeof lifecycle?.termination === 'string';
}

/** The completer wired for one collector: a check after batches, and a periodic sweep. */
export function createTermination(
  settings: TerminationSettings,
  context: { client: Client; names: IndexNames; collectorId: string },
): {
  afterBatch: (instanceId: string, events: WireEvent[]) => void;
  sweep: () => Promise<void>;
  stop: () => void;
} {
  const hooks = new LifecycleHooks(settings);
  const completer = new TerminationCompleter({
    ...context,
    hooks,
    deadlineMs: settings.deadlineMs,
    // Longer than one Auto Scaling call can take with the SDK's timeouts.
    claimTimeoutMs: 60_000,
    log: settings.log,
  });
  return {
    afterBatch: (instanceId, events) => {
      if (!events.some(mentionsTermination)) return;
      completer.check(instanceId).catch((error) =>
        settings.log.warn('termination check failed; the sweep tries again', {
          'error.message': String(error),
        }),
      );
    },
    sweep: () => completer.sweep(),
    stop: () => hooks.destroy(),
  };
}
