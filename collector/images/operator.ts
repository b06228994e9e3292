/**
 * What `kiln images health` and `kiln images rollback` do (the CLI in bin/commands/images.ts
 * loads this lazily). Rollback by hand is the bad-image rule's rollback with an operator's
 * decision: the same audit, the same create-only mark, the same group rollback, the same
 * replacement plan under the policy's budgets; and it never goes back to an image marked bad.
 */
import type { Client } from '@elastic/elasticsearch';
import { bareImageId } from '../../bake/lineage.ts';
import { esBakeStore } from '../../bake/store/es-store.ts';
import type { ImageMark } from '../../bake/store/record.ts';
import { KilnError } from '../../lib/errors.ts';
import type { IndexNames } from '../../lib/indices.ts';
import type { Logger } from '../../lib/log.ts';
import { createRollbackAction } from '../actions/rollback.ts';
import type { ImageDecision } from '../policy/bad-image.ts';
import type { Policy } from '../policy/config.ts';
import { carryOutRollback } from '../policy/image-step.ts';
import { type Decision, inFlightFromRegistry, planDecisions } from '../policy/planner.ts';
import { decisionId } from '../policy/selection.ts';
import { computeImageHealth, defaultHealthOptions, type ImageHealth } from './health.ts';
import { readHealthInputs } from './read.ts';

/** Health of every image (or one), with the marks. */
export async function imageHealthReport(
  client: Client,
  names: IndexNames,
  nowMs: number,
  options: { imageId?: string; silentWithinMs?: number } = {},
): Promise<{ health: ImageHealth[]; marks: ImageMark[] }> {
  const store = esBakeStore(client, names);
  const [bakes, marks] = await Promise.all([store.list(), store.imageMarks()]);
  const inputs = await readHealthInputs(client, names, bakes);
  const all = computeImageHealth(inputs, nowMs, {
    ...defaultHealthOptions,
    ...(options.silentWithinMs !== undefined ? { silentWithinMs: options.silentWithinMs } : {}),
  });
  const wanted = options.imageId ? bareImageId(options.imageId) : undefined;
  const health = wanted ? all.filter((h) => h.imageId === wanted) : all;
  if (wanted && health.length === 0)
    throw new KilnError(
      'KILN_ERR_NOT_FOUND',
      `no instance of image ${wanted} is in the registry: kiln has no health to show for it (kiln fleet lists the images in use)`,
    );
  return { health, marks };
}

/** What a rollback by hand came to. */
export interface RollbackReport {
  dryRun: boolean;
  decision: ImageDecision;
  /** Per group: what the rollback did (absent in a dry run). */
  groups: { group: string; ok: boolean; error?: string; detail?: Record<string, unknown> }[];
  /** The replacements of the bad image's instances, under the policy's budgets, as planned now. */
  replacements: Decision[];
  ok: boolean;
}

/** Rolls `imageId` back to `to` (default the image it replaced), or shows what it would do. */
export async function rollbackImage(input: {
  client: Client;
  names: IndexNames;
  policy: Policy;
  imageId: string;
  to?: string;
  dryRun: boolean;
  nowMs: number;
  actor: string;
  log: Logger;
}): Promise<RollbackReport> {
  const { client, names, policy, nowMs } = input;
  const bad = bareImageId(input.imageId);
  const store = esBakeStore(client, names);
  const [bakes, marks] = await Promise.all([store.list(), store.imageMarks()]);
  const healthInputs = await readHealthInputs(client, names, bakes);
  const health = computeImageHealth(healthInputs, nowMs, {
    ...defaultHealthOptions,
    silentWithinMs: policy.onBadImage?.when.silentWithin ?? defaultHealthOptions.silentWithinMs,
  });
  const h = health.find((x) => x.imageId === bad);
  if (!h)
    throw new KilnError(
      'KILN_ERR_NOT_FOUND',
      `no instance of image ${bad} is in the registry: there is nothing to roll back`,
    );
  const target = input.to ? bareImageId(input.to) : h.baseline?.imageId;
  if (!target)
    throw new KilnError(
      'KILN_ERR_USAGE',
      `kiln knows no image that ${bad} replaced (no lineage parent with instances, no earlier image in ${h.groups.join(', ') || 'its groups'}): name one with --to IMAGE`,
    );
  if (target === bad) throw new KilnError('KILN_ERR_USAGE', `--to ${target} is the image being rolled back`);
  const targetMark = marks.find((m) => bareImageId(m.image_id) === target);
  if (targetMark)
    throw new KilnError(
      'KILN_ERR_POLICY',
      `refusing to roll back ${bad} to ${target}: ${target} is itself marked bad (${targetMark.marked_at} by ${targetMark.marked_by}: ${targetMark.reason}); choose a good image with --to IMAGE`,
    );
  const existing = marks.find((m) => bareImageId(m.image_id) === bad);
  if (existing?.rolled_back_at)
    throw new KilnError(
      'KILN_ERR_CONFLICT',
      `image ${bad} was already rolled back to ${existing.rollback_to} at ${existing.rolled_back_at} (${existing.marked_by}); its instances are replaced by the policy`,
    );
  if (h.groups.length === 0)
    throw new KilnError(
      'KILN_ERR_USAGE',
      `the instances of ${bad} name no group (kiln.group): kiln rolls back groups; point them back by hand`,
    );
  const rollback = createRollbackAction(policy.action, policy.onBadImage?.command);
  if (!rollback)
    throw new KilnError(
      'KILN_ERR_CONFIG',
      `policy ${policy.name} cannot roll back: its action is ${policy.action.type}; use action.type aws-asg or set onBadImage.command`,
    );
  const decision: ImageDecision = {
    id: decisionId(policy.name, bad, 'manual_rollback', `${target}@${new Date(nowMs).toISOString()}`),
    imageId: bad,
    rollbackTo: target,
    via: input.to ? 'operator' : (h.baseline?.via ?? 'operator'),
    groups: h.groups,
    kind: 'rollback',
    outcome: 'taken',
    reason: 'image_failing',
    reasonText: `rolled back by hand (${input.actor}): ${h.groups.join(', ')} to ${target}; ${h.counts.silentEarly} of ${h.counts.launched} instances went silent soon after boot`,
    evidence: {
      launched: h.counts.launched,
      silentEarly: h.counts.silentEarly,
      share: h.rates.silentEarly.share,
      silentEarlyInstances: h.silentEarlyInstances,
    },
  };
  const docs = healthInputs.instances;
  const plan = () =>
    planDecisions(docs, policy, nowMs, inFlightFromRegistry(docs), [
      { imageId: bad, rollbackTo: target },
    ]).filter((d) => d.trigger === 'bad_image');
  if (input.dryRun) return { dryRun: true, decision, groups: [], replacements: plan(), ok: true };
  const done = await carryOutRollback(
    { client, names, policy, log: input.log, collectorId: input.actor, now: () => nowMs, store, rollback },
    decision,
    nowMs,
    names.daily('actions', nowMs),
    `kiln images rollback (${input.actor})`,
    true,
  );
  if (!done)
    throw new KilnError(
      'KILN_ERR_CONFLICT',
      `image ${bad} is being rolled back by someone else right now (its mark exists); see kiln images health ${bad}`,
    );
  const groups = done.results.map((r) => ({
    group: r.group,
    ok: r.result.ok,
    ...(r.result.error ? { error: r.result.error } : {}),
    ...(r.result.detail ? { detail: r.result.detail } : {}),
  }));
  return { dryRun: false, decision, groups, replacements: done.ok ? plan() : [], ok: done.ok };
}

/** The rollback report for a terminal. */
export function renderRollback(report: RollbackReport): string {
  const d = report.decision;
  const lines = [
    `${report.dryRun ? 'dry run: would roll back' : 'rolled back'} ${d.imageId} -> ${d.rollbackTo} in ${d.groups.join(', ')} (decision ${d.id})`,
  ];
  for (const g of report.groups) {
    const detail = g.detail as { version?: number; previous_version?: number; already?: boolean } | undefined;
    lines.push(
      g.ok
        ? `  ${g.group}: ${detail?.already ? 'already launches' : `launch template version ${detail?.previous_version ?? '?'} -> ${detail?.version ?? '?'} launches`} ${d.rollbackTo}`
        : `  ${g.group}: FAILED: ${g.error}`,
    );
  }
  const now = report.replacements.filter((r) => r.outcome === 'taken');
  const waiting = report.replacements.filter((r) => r.outcome !== 'taken');
  lines.push(
    `replacements of ${d.imageId}'s instances (by the policy, under its budgets): ${now.length} now${now.length ? ` (${now.map((r) => r.instanceId).join(', ')})` : ''}, ${waiting.length} waiting${waiting.length ? ` (${waiting.map((r) => `${r.instanceId}: ${r.reason}`).join(', ')})` : ''}`,
  );
  if (report.dryRun) lines.push('nothing was changed (dry run)');
  return lines.join('\n');
}
