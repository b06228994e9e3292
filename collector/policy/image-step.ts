/**
 * The image step of a policy evaluation: compute image health, decide bad images (bad-image.ts),
 * and carry out a rollback at most once across collectors — the audit record is created on the
 * decision id (`op_type: create`: of two collectors deciding at once, one creates it and acts,
 * the other gets 409 and stands down), then the image is marked bad in the bake store (also
 * create-only), then each group is pointed back. Returns the images whose groups launch the old
 * image again, so the planner replaces their instances under the usual budgets.
 */
import type { Client } from '@elastic/elasticsearch';
import { bareImageId } from '../../bake/lineage.ts';
import type { BakeStore, ImageMark } from '../../bake/store/record.ts';
import type { RegistryDocument } from '../../lib/fleet.ts';
import type { IndexNames } from '../../lib/indices.ts';
import type { Logger } from '../../lib/log.ts';
import { outcome, retry } from '../../lib/retry.ts';
import type { ActionResult } from '../actions/action.ts';
import type { RollbackAction } from '../actions/rollback.ts';
import { computeImageHealth, defaultHealthOptions, type ImageHealth } from '../images/health.ts';
import { lineageParents } from '../images/read.ts';
import { auditId, completeAudit, writeAudit, writeAuditBatch } from './audit.ts';
import { type ImageDecision, planImageDecisions } from './bad-image.ts';
import type { Policy } from './config.ts';
import { type ImageAuditInput, imageAuditDocument } from './image-audit.ts';
import type { RolledBackImage } from './planner.ts';
import { selects } from './selection.ts';

/** What the image step needs. */
export interface ImageStepContext {
  client: Client;
  names: IndexNames;
  policy: Policy;
  log: Logger;
  collectorId: string;
  now: () => number;
  store: BakeStore;
  /** Undefined when the policy cannot roll back (then decisions are audited, never carried out). */
  rollback: RollbackAction | undefined;
  signal?: AbortSignal;
}

/** What the image step came to. */
export interface ImageStepResult {
  health: ImageHealth[];
  decisions: ImageDecision[];
  /** Images whose groups launch the image they replaced again. */
  rolledBack: RolledBackImage[];
  /** Rollbacks this collector carried out. */
  executed: { decisionId: string; imageId: string; ok: boolean }[];
}

/** The marks whose rollback finished, as the planner takes them. */
export function rolledBackOf(marks: readonly ImageMark[]): RolledBackImage[] {
  return marks
    .filter((m) => m.rolled_back_at && m.rollback_to)
    .map((m) => ({ imageId: m.image_id, rollbackTo: m.rollback_to! }));
}

/** Health of the images of the instances the policy selects. */
export async function policyImageHealth(
  context: Pick<ImageStepContext, 'policy' | 'store'>,
  docs: readonly RegistryDocument[],
  nowMs: number,
): Promise<ImageHealth[]> {
  const { policy, store } = context;
  const bakes = await store.list();
  // The rule acts on silence alone (what the collector observes), so each evaluation reads only
  // the registry and the bake records; agent restarts and error lines are for kiln images health.
  const inputs = {
    instances: docs.filter((d) => selects(policy, d)),
    agentStarts: new Map(),
    errorLines: new Map(),
    parents: lineageParents(bakes),
  };
  return computeImageHealth(inputs, nowMs, {
    ...defaultHealthOptions,
    silentWithinMs: policy.onBadImage?.when.silentWithin ?? defaultHealthOptions.silentWithinMs,
  });
}

/** Runs the image step of one evaluation. */
export async function evaluateImages(
  context: ImageStepContext,
  docs: readonly RegistryDocument[],
  nowMs: number,
  index: string,
  bucket: number,
): Promise<ImageStepResult> {
  const { client, policy } = context;
  const marks = await context.store.imageMarks();
  const rolledBack = rolledBackOf(marks);
  if (!policy.onBadImage) return { health: [], decisions: [], rolledBack, executed: [] };
  const health = await policyImageHealth(context, docs, nowMs);
  const decisions = planImageDecisions(health, marks, policy);
  const audit = (input: Omit<ImageAuditInput, 'policyName' | 'collectorId' | 'dryRun' | 'actionType'>) =>
    imageAuditDocument({
      ...input,
      policyName: policy.name,
      collectorId: context.collectorId,
      dryRun: policy.dryRun,
      actionType: input.decision.kind === 'notify' ? 'notify' : (context.rollback?.type ?? 'none'),
    });
  const records: { id: string; document: Record<string, unknown> }[] = [];
  const executed: ImageStepResult['executed'] = [];
  const dry = policy.dryRun ? '.dry' : '';
  for (const decision of decisions) {
    if (decision.outcome !== 'taken') {
      records.push({
        id: auditId(decision.id, `skipped.${decision.reason}.${bucket}${dry}`),
        document: audit({ decision, outcome: 'skipped', atMs: nowMs }),
      });
    } else if (policy.dryRun) {
      records.push({
        id: auditId(decision.id, 'dry'),
        document: audit({ decision, outcome: 'dry', atMs: nowMs }),
      });
    } else if (decision.kind === 'notify') {
      await writeAudit(client, index, decision.id, audit({ decision, outcome: 'taken', atMs: nowMs }));
    } else {
      const done = await carryOutRollback(context, decision, nowMs, index, `policy ${policy.name}`);
      if (done) {
        executed.push({ decisionId: decision.id, imageId: decision.imageId, ok: done.ok });
        if (done.ok) rolledBack.push({ imageId: decision.imageId, rollbackTo: decision.rollbackTo! });
      }
    }
  }
  await writeAuditBatch(client, index, records);
  return { health, decisions, rolledBack, executed };
}

/**
 * Carries out one taken rollback decision, at most once across collectors and CLI runs:
 * undefined when another collector (or an earlier run) already decided this image.
 */
export async function carryOutRollback(
  context: Omit<ImageStepContext, 'store'> & { store: Pick<BakeStore, 'markImageBad' | 'updateImageMark'> },
  decision: ImageDecision,
  nowMs: number,
  index: string,
  markedBy: string,
  /** Go on when the image is already marked but its rollback never finished (kiln images rollback). */
  resume = false,
): Promise<{ ok: boolean; results: { group: string; result: ActionResult }[] } | undefined> {
  const { client, policy, log, rollback } = context;
  const audit = (input: Omit<ImageAuditInput, 'policyName' | 'collectorId' | 'dryRun' | 'actionType'>) =>
    imageAuditDocument({
      ...input,
      policyName: policy.name,
      collectorId: context.collectorId,
      dryRun: false,
      actionType: rollback?.type ?? 'none',
    });
  const fresh = await writeAudit(
    client,
    index,
    decision.id,
    audit({ decision, outcome: 'taken', atMs: nowMs }),
  );
  if (!fresh) {
    log.info('image decision taken by another collector', { 'cloud.image.id': decision.imageId });
    return undefined;
  }
  const marked = await context.store.markImageBad({
    image_id: bareImageId(decision.imageId),
    state: 'bad',
    reason: decision.reasonText,
    marked_at: new Date(nowMs).toISOString(),
    decision_id: decision.id,
    marked_by: markedBy,
    ...(decision.rollbackTo ? { rollback_to: decision.rollbackTo } : {}),
    groups: decision.groups,
  });
  if (!marked.created && !(resume && !marked.mark.rolled_back_at)) {
    // Marked in between by someone else (kiln images rollback): their rollback stands, ours stops.
    const text = `image ${decision.imageId} was marked bad by ${marked.mark.marked_by} at ${marked.mark.marked_at} (decision ${marked.mark.decision_id}); that rollback stands and this decision does nothing`;
    await completeAudit(
      client,
      index,
      decision.id,
      audit({ decision, outcome: 'taken', atMs: nowMs, reasonText: text }),
    );
    log.info('image already marked bad', { 'cloud.image.id': decision.imageId, by: marked.mark.marked_by });
    return undefined;
  }
  const results: { group: string; result: ActionResult }[] = [];
  for (const group of decision.groups) {
    const result = await runWithRetry(context, decision, group, index);
    results.push({ group, result });
  }
  const ok = rollback !== undefined && decision.groups.length > 0 && results.every((r) => r.result.ok);
  const last = results.at(-1)?.result;
  await completeAudit(
    client,
    index,
    decision.id,
    audit({
      decision,
      outcome: 'taken',
      atMs: nowMs,
      ...(last
        ? {
            result: {
              ...last,
              ok,
              detail: Object.fromEntries(
                results.map((r) => [r.group, r.result.detail ?? { error: r.result.error }]),
              ),
            },
          }
        : {}),
    }),
  );
  if (ok) {
    await context.store.updateImageMark(decision.imageId, {
      rolled_back_at: new Date(context.now()).toISOString(),
      rollback_to: decision.rollbackTo!,
      groups: decision.groups,
    });
    return { ok, results };
  }
  const why =
    results.find((r) => !r.result.ok)?.result.error ??
    (rollback ? 'its instances name no group' : 'the policy has no rollback action');
  const text = `rollback of ${decision.imageId} to ${decision.rollbackTo} failed: ${why}; the image stays marked bad and its instances are not replaced until its groups launch ${decision.rollbackTo}: fix the cause and run kiln images rollback ${decision.imageId} --to ${decision.rollbackTo}`;
  await writeAudit(
    client,
    index,
    auditId(decision.id, 'escalated'),
    audit({ decision, outcome: 'escalated', atMs: context.now(), reasonText: text }),
  );
  log.error('rollback escalated', { 'cloud.image.id': decision.imageId, reason: text });
  return { ok, results };
}

/** One group's rollback through lib/retry.ts, each failed attempt audited. */
async function runWithRetry(
  context: Omit<ImageStepContext, 'store'>,
  decision: ImageDecision,
  group: string,
  index: string,
): Promise<ActionResult> {
  const { rollback, policy, client } = context;
  if (!rollback) return { ok: false, durationMs: 0, error: 'the policy has no rollback action' };
  let attempt = 0;
  let last: ActionResult = { ok: false, durationMs: 0, error: 'not attempted' };
  await retry(
    async () => {
      attempt += 1;
      last = await rollback.run(
        {
          decisionId: decision.id,
          group,
          badImageId: decision.imageId,
          rollbackImageId: decision.rollbackTo!,
        },
        context.signal,
      );
      if (last.ok) return outcome.ok(last);
      await writeAudit(
        client,
        index,
        auditId(decision.id, `failed.${group}.${attempt}`),
        imageAuditDocument({
          decision,
          outcome: 'failed',
          policyName: policy.name,
          collectorId: context.collectorId,
          dryRun: false,
          actionType: rollback.type,
          atMs: context.now(),
          attempt,
          group,
          result: last,
          reasonText: last.error ?? 'failed',
        }),
      );
      // A refusal (group moved on, no launch template) is final; an API error may pass.
      return last.retryable ? outcome.retryable(last, last.retryAfterMs) : outcome.permanent(last);
    },
    {
      maxAttempts: policy.retry.attempts,
      backoff: { baseMs: policy.retry.backoff, maxMs: policy.retry.backoff * 16 },
      ...(context.signal ? { signal: context.signal } : {}),
    },
  );
  return last;
}

/**
 * What the image step would decide now, with no write (`kiln policy plan`): the decisions, and
 * the images whose instances the planner should replace — those already rolled back and, for
 * the plan, those a taken rollback decision would roll back.
 */
export async function planImages(
  context: Pick<ImageStepContext, 'client' | 'names' | 'policy' | 'store'>,
  docs: readonly RegistryDocument[],
  nowMs: number,
): Promise<{ decisions: ImageDecision[]; rolledBack: RolledBackImage[]; health: ImageHealth[] }> {
  const marks = await context.store.imageMarks();
  const rolledBack = rolledBackOf(marks);
  if (!context.policy.onBadImage) return { decisions: [], rolledBack, health: [] };
  const health = await policyImageHealth(context, docs, nowMs);
  const decisions = planImageDecisions(health, marks, context.policy);
  const would = decisions
    .filter((d) => d.outcome === 'taken' && d.kind === 'rollback' && d.rollbackTo)
    .map((d) => ({ imageId: d.imageId, rollbackTo: d.rollbackTo! }));
  return { decisions, rolledBack: [...rolledBack, ...would], health };
}
