/**
 * The policy loop: evaluates one policy against the registry on an interval (first evaluation
 * right after start), until stopped. The collector hosts it (`kiln collector run --policy FILE`);
 * `kiln policy run` runs it alone.
 */
import type { Client } from '@elastic/elasticsearch';
import { describeError } from '../../lib/errors.ts';
import type { IndexNames } from '../../lib/indices.ts';
import type { Logger } from '../../lib/log.ts';
import type { Action } from '../actions/action.ts';
import type { Policy } from './config.ts';
import { type CycleReport, createPolicyEngine } from './engine.ts';

export { loadPolicy, type Policy } from './config.ts';
export { type CycleReport, createPolicyEngine, type EngineOptions, type PolicyEngine } from './engine.ts';
export { type Decision, planDecisions } from './planner.ts';

/** Options of the loop. */
export interface PolicyLoopOptions {
  client: Client;
  names: IndexNames;
  policy: Policy;
  /** Time between the end of one evaluation and the start of the next. */
  intervalMs: number;
  now?: () => number;
  log: Logger;
  collectorId: string;
  /** Called after every evaluation (tests, `kiln policy run` output). */
  onCycle?: (report: CycleReport) => void;
  /** Overrides the policy's actions (tests only). */
  action?: Action;
}

/** Starts the loop; `stop()` is idempotent and waits for a running evaluation to finish. */
export function startPolicyLoop(options: PolicyLoopOptions): { stop(): Promise<void> } {
  const log = options.log.child('policy');
  const engine = createPolicyEngine({
    client: options.client,
    names: options.names,
    policy: options.policy,
    now: options.now ?? Date.now,
    log,
    collectorId: options.collectorId,
    intervalMs: options.intervalMs,
    ...(options.action ? { action: options.action } : {}),
  });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const schedule = (delayMs: number) => {
    timer = setTimeout(tick, delayMs);
    timer.unref();
  };
  function tick() {
    running = engine
      .evaluateOnce()
      .then((report) => {
        const count = (o: string) => report.decisions.filter((d) => d.outcome === o).length;
        log.info('policy evaluated', {
          'kiln.decision.policy': options.policy.name,
          taken: count('taken'),
          deferred: count('deferred'),
          skipped: count('skipped'),
          executed: report.executed.length,
          dry_run: options.policy.dryRun,
        });
        options.onCycle?.(report);
      })
      .catch((error) =>
        log.error('policy evaluation failed; retrying next interval', { error: describeError(error) }),
      )
      .finally(() => {
        running = undefined;
        if (!stopped) schedule(options.intervalMs);
      });
  }
  schedule(0);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      engine.abort();
      await running;
    },
  };
}
