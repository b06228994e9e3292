/**
 * Completes Auto Scaling lifecycle actions for instances that announced their termination.
 * The registry document (collector/registry) holds the state, so collectors stay stateless and
 * exactly one of them acts: it claims the termination by writing `completing` with the
 * document's `_seq_no`/`_primary_term` (a 409 means another collector won), then calls
 * CompleteLifecycleAction once and records the outcome. The instance id is the registry
 * document's id, which comes from the instance token, never from a payload.
 */
import type { Client } from '@elastic/elasticsearch';
import { describeError } from '../../lib/errors.ts';
import type { TerminationState } from '../../lib/fleet.ts';
import type { IndexNames } from '../../lib/indices.ts';
import type { Logger } from '../../lib/log.ts';
import { scanRegistry, updateInstance } from '../registry/index.ts';
import { decideTermination, type TerminationTiming } from './decide.ts';
import type { CompletionOutcome, LifecycleHooks } from './lifecycle-hooks.ts';

/** What the completer needs. */
export interface CompleterOptions extends TerminationTiming {
  client: Client;
  names: IndexNames;
  hooks: Pick<LifecycleHooks, 'complete'>;
  collectorId: string;
  log: Logger;
  now?: () => number;
}

/** Checks and completes terminations, one instance or all open ones. */
export class TerminationCompleter {
  readonly #o: CompleterOptions & { now: () => number };
  readonly #busy = new Set<string>();

  constructor(options: CompleterOptions) {
    this.#o = { now: Date.now, ...options };
  }

  /** Looks at one instance now (after a batch with its notice or report). */
  async check(instanceId: string): Promise<void> {
    if (this.#busy.has(instanceId)) return;
    this.#busy.add(instanceId);
    try {
      await this.#checkOne(instanceId);
    } finally {
      this.#busy.delete(instanceId);
    }
  }

  /** Looks at every open termination (deadlines; reports another collector left). */
  async sweep(): Promise<void> {
    const { client, names } = this.#o;
    const open = scanRegistry(
      client,
      names,
      { terminationStates: ['pending', 'reported', 'completing'] },
      { fields: ['cloud.instance.id'] },
    );
    for await (const { doc } of open) await this.check(doc.cloud.instance.id);
  }

  async #checkOne(instanceId: string): Promise<void> {
    const { client, names, log } = this.#o;
    let claim: { trigger: 'report' | 'deadline' } | undefined;
    // The claim: only the collector whose conditional write lands goes on to call AWS. After a
    // 409 the document is read again, and another collector's fresh claim means "not mine".
    const written = await updateInstance(client, names, instanceId, (current) => {
      claim = undefined;
      const state = current?.kiln.termination;
      const step = decideTermination(state, this.#o.now(), this.#o);
      if (!current || !state || !step.act) return undefined;
      const next = structuredClone(current);
      next.kiln.termination = {
        ...state,
        state: 'completing',
        claimed_by: this.#o.collectorId,
        claimed_at: new Date(this.#o.now()).toISOString(),
        trigger: step.trigger,
      };
      claim = { trigger: step.trigger };
      return next;
    }).catch((error) => {
      log.warn('termination claim failed; the sweep tries again', {
        'cloud.instance.id': instanceId,
        'error.message': describeError(error),
      });
      return undefined;
    });
    if (!written) return;
    if (!claim) return;
    const outcome = await this.#o.hooks.complete(instanceId);
    await this.#record(instanceId, outcome);
    const fields = {
      'cloud.instance.id': instanceId,
      'kiln.termination.trigger': claim.trigger,
      'kiln.termination.outcome': outcome.kind,
      ...(outcome.kind === 'completed'
        ? { 'kiln.termination.group': outcome.group, 'kiln.termination.hook': outcome.hook }
        : {}),
    };
    if (outcome.kind === 'failed') log.warn(`lifecycle action not completed: ${outcome.error}`, fields);
    else if (outcome.kind === 'not_waiting')
      log.info(`no lifecycle action to complete: ${outcome.reason}`, fields);
    else log.info('lifecycle action completed (CONTINUE)', fields);
  }

  async #record(instanceId: string, outcome: CompletionOutcome): Promise<void> {
    const { client, names } = this.#o;
    const at = new Date(this.#o.now()).toISOString();
    await updateInstance(client, names, instanceId, (current) => {
      const state = current?.kiln.termination;
      if (!current || state?.state !== 'completing' || state.claimed_by !== this.#o.collectorId)
        return undefined;
      const next = structuredClone(current);
      const done: TerminationState = {
        ...state,
        state: outcome.kind,
        completed_at: at,
        ...(outcome.group ? { group: outcome.group } : {}),
        ...(outcome.kind === 'completed' ? { hook: outcome.hook } : {}),
        ...(outcome.kind === 'failed' ? { error: outcome.error } : {}),
        ...(outcome.kind === 'not_waiting' ? { error: outcome.reason } : {}),
      };
      next.kiln.termination = done;
      return next;
    });
  }
}
