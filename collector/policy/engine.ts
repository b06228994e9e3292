/**
 * One evaluation of a policy against the registry: follow earlier replacements to their
 * successors, plan (pure), audit every decision, and carry out the taken ones at most once
 * across collectors (registry claim with optimistic concurrency, then the audit record created on
 * the decision id). A failed action the action marks retryable is tried again with backoff
 * (lib/retry.ts); a final failure is escalated in the audit.
 */
import type { Client } from '@elastic/elasticsearch';
import { esBakeStore } from '../../bake/store/es-store.ts';
import type { BakeStore } from '../../bake/store/record.ts';
import type { IndexNames } from '../../lib/indices.ts';
import type { Logger } from '../../lib/log.ts';
import { type AttemptOutcome, type Clock, outcome, retry, sleep } from '../../lib/retry.ts';
import type { Action, ActionResult } from '../actions/action.ts';
import { createAction } from '../actions/index.ts';
import { createRollbackAction, type RollbackAction } from '../actions/rollback.ts';
import { claimReplacement, readRegistry, updateRegistry, type VersionedDoc } from '../registry/index.ts';
import {
  type AuditInput,
  auditDocument,
  auditId,
  completeAudit,
  writeAudit,
  writeAuditBatch,
} from './audit.ts';
import type { Policy } from './config.ts';
import { followReplacements } from './follow-up.ts';
import { evaluateImages, type ImageStepResult } from './image-step.ts';
import { type Decision, inFlightFromRegistry, planDecisions, replacementOf } from './planner.ts';

/** What the engine needs. */
export interface EngineOptions {
  client: Client;
  names: IndexNames;
  policy: Policy;
  now: () => number;
  log: Logger;
  /** Names this collector in claims and audit records. */
  collectorId: string;
  /** The loop's interval: deferred/skipped records are written once per interval per decision. */
  intervalMs: number;
  /** The replacement action; default built from the policy. */
  action?: Action;
  /** The notify action; default built from the policy's notify webhook. */
  notifyAction?: Action;
  /** Waits between attempts of a retryable action. Default `now` and real sleeps. */
  clock?: Clock;
  /** Where bake records and image marks live; default the bakes index of `names`. */
  store?: BakeStore;
  /** The rollback of onBadImage; default built from the policy (aws-asg or onBadImage.command). */
  rollback?: RollbackAction;
}

/** What one action execution came to. */
export interface Execution {
  decisionId: string;
  instanceId: string;
  ok: boolean;
  attempts: number;
}

/** What one evaluation did. */
export interface CycleReport {
  atMs: number;
  decisions: Decision[];
  /** Actions this collector ran (claims lost to another collector are not here). */
  executed: Execution[];
  /** Predecessors whose successor reported in during this evaluation. */
  completed: { instanceId: string; successor: string }[];
  /** Image health, image decisions and rollbacks (onBadImage). */
  images: ImageStepResult;
}

/** The policy engine of one collector. */
export interface PolicyEngine {
  evaluateOnce(): Promise<CycleReport>;
  /** Cuts retry waits short (the collector is stopping). */
  abort(): void;
}

/** Creates the engine. */
export function createPolicyEngine(options: EngineOptions): PolicyEngine {
  const { client, names, policy, log, collectorId } = options;
  const action = options.action ?? createAction(policy.action, policy.notify);
  const notifyAction = options.notifyAction ?? createAction({ type: 'notify' }, policy.notify);
  const aborter = new AbortController();
  const store = options.store ?? esBakeStore(client, names);
  const rollback = options.rollback ?? createRollbackAction(policy.action, policy.onBadImage?.command);

  const audit = (input: Omit<AuditInput, 'policyName' | 'collectorId' | 'dryRun'>) =>
    auditDocument({ ...input, policyName: policy.name, collectorId, dryRun: policy.dryRun });

  async function execute(
    decision: Decision,
    versioned: VersionedDoc,
    nowMs: number,
    index: string,
  ): Promise<Execution | undefined> {
    const instance = versioned.doc;
    if (decision.kind === 'replace') {
      const claimed = await claimReplacement(client, names, versioned, {
        decisionId: decision.id,
        atMs: nowMs,
        collectorId,
        reason: `policy ${policy.name}: ${decision.reason}`,
        decision,
      });
      if (!claimed) {
        log.info('replacement claimed by another collector', { 'cloud.instance.id': decision.instanceId });
        return undefined;
      }
    }
    const fresh = await writeAudit(
      client,
      index,
      decision.id,
      audit({ decision, outcome: 'taken', atMs: nowMs, instance }),
    );
    if (!fresh) {
      if (decision.kind === 'replace') await escalateInRegistry(decision, instance, nowMs);
      return undefined;
    }
    const decidedAt = new Date(nowMs).toISOString();
    const runner = decision.kind === 'replace' ? action : notifyAction;
    let result: ActionResult = { ok: false, durationMs: 0, error: 'not attempted' };
    let attempt = 0;
    // Only a result the action marks retryable is tried again: an action that retries itself
    // (the webhook) reports a final failure, so its retries are never multiplied by these.
    await retry(
      async (): Promise<AttemptOutcome<void>> => {
        attempt += 1;
        result = await runner.run(
          { decision, instance, policyName: policy.name, attempt, decidedAt },
          aborter.signal,
        );
        if (result.ok) return outcome.ok(undefined);
        if (!aborter.signal.aborted) {
          await writeAudit(
            client,
            index,
            auditId(decision.id, `failed.${attempt}`),
            audit({
              decision,
              outcome: 'failed',
              atMs: options.now(),
              instance,
              attempt,
              result,
              reasonText: result.error ?? 'failed',
            }),
          );
        }
        return result.retryable
          ? outcome.retryable(result.error, result.retryAfterMs)
          : outcome.permanent(result.error);
      },
      {
        maxAttempts: policy.retry.attempts,
        backoff: { baseMs: policy.retry.backoff, maxMs: policy.retry.backoff * 16 },
        clock: options.clock ?? { now: options.now, sleep },
        signal: aborter.signal,
      },
    );
    await completeAudit(
      client,
      index,
      decision.id,
      audit({ decision, outcome: 'taken', atMs: nowMs, instance, attempt, result }),
    );
    if (!result.ok) {
      const text = `${decision.action} failed after ${attempt} attempt(s): ${result.error ?? 'unknown error'}; kiln will not retry decision ${decision.id}: fix the cause and replace the instance by other means`;
      await writeAudit(
        client,
        index,
        auditId(decision.id, 'escalated'),
        audit({
          decision,
          outcome: 'escalated',
          atMs: options.now(),
          instance,
          attempt,
          result,
          reasonText: text,
        }),
      );
      log.error('action escalated', {
        'cloud.instance.id': decision.instanceId,
        'kiln.decision.id': decision.id,
        reason: text,
      });
      if (decision.kind === 'replace') await escalateInRegistry(decision, instance, options.now());
    }
    return { decisionId: decision.id, instanceId: decision.instanceId, ok: result.ok, attempts: attempt };
  }

  async function escalateInRegistry(
    decision: Decision,
    instance: VersionedDoc['doc'],
    atMs: number,
  ): Promise<void> {
    const at = new Date(atMs).toISOString();
    const previous = replacementOf(instance)?.previous_status ?? instance.kiln.status;
    await updateRegistry(client, names, decision.instanceId, {
      kiln: {
        status: previous === 'replacing' ? 'running' : previous,
        status_changed_at: at,
        status_reason: `replacement escalated (decision ${decision.id})`,
        replacement: { decision_id: decision.id, escalated_at: at },
      },
    });
  }

  return {
    abort: () => aborter.abort(),
    async evaluateOnce(): Promise<CycleReport> {
      const nowMs = options.now();
      const index = names.daily('actions', nowMs);
      const versioned = await readRegistry(client, names);
      const completed = await followReplacements(
        { client, names, policy, log, audit },
        versioned,
        nowMs,
        index,
      );
      const docs = versioned.map((v) => v.doc);
      const bucket = Math.floor(nowMs / Math.max(options.intervalMs, policy.auditRepeat ?? 0));
      const images = await evaluateImages(
        {
          client,
          names,
          policy,
          log,
          collectorId,
          now: options.now,
          store,
          rollback,
          signal: aborter.signal,
        },
        docs,
        nowMs,
        index,
        bucket,
      );
      // A dry run plans the replacements its rollbacks would start, so the plan shows them.
      const wouldRollBack = policy.dryRun
        ? images.decisions
            .filter((d) => d.outcome === 'taken' && d.kind === 'rollback' && d.rollbackTo)
            .map((d) => ({ imageId: d.imageId, rollbackTo: d.rollbackTo! }))
        : [];
      const decisions = planDecisions(docs, policy, nowMs, inFlightFromRegistry(docs), [
        ...images.rolledBack,
        ...wouldRollBack,
      ]);
      const byId = new Map(versioned.map((v) => [v.doc.cloud.instance.id, v]));
      const dry = policy.dryRun ? '.dry' : '';
      const records: { id: string; document: Record<string, unknown> }[] = [];
      const runs: Promise<Execution | undefined>[] = [];
      for (const decision of decisions) {
        const instance = byId.get(decision.instanceId)!;
        if (decision.outcome !== 'taken') {
          const id = auditId(decision.id, `${decision.outcome}.${decision.reason}.${bucket}${dry}`);
          records.push({
            id,
            document: audit({ decision, outcome: decision.outcome, atMs: nowMs, instance: instance.doc }),
          });
        } else if (policy.dryRun) {
          const document = audit({ decision, outcome: 'dry', atMs: nowMs, instance: instance.doc });
          records.push({ id: auditId(decision.id, 'dry'), document });
        } else {
          runs.push(execute(decision, instance, nowMs, index));
        }
      }
      await writeAuditBatch(client, index, records);
      const executed = (await Promise.all(runs)).filter((e): e is Execution => e !== undefined);
      return { atMs: nowMs, decisions, executed, completed, images };
    },
  };
}
