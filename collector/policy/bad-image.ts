/**
 * The bad-image rule (pure): given every image's health, the images already marked bad and the
 * policy, decide once per image whether to go back to the image it replaced. An image is judged
 * only after `minInstances` of its instances launched; it is bad when at least `share` of them
 * went silent within `silentWithin` of their start. The target is the image it replaced (its
 * lineage parent, else the previous image of its group) and never an image itself marked bad.
 */
import { bareImageId } from '../../bake/lineage.ts';
import type { ImageMark } from '../../bake/store/record.ts';
import type { ImageHealth } from '../images/health.ts';
import type { Policy } from './config.ts';
import { decisionId } from './selection.ts';

/** Why an image decision was taken or skipped. */
export type ImageReason = 'image_failing' | 'target_bad' | 'no_target' | 'kill_switch';

/** One decision about one image. */
export interface ImageDecision {
  /** Deterministic: the same on every collector for the same policy and image. */
  id: string;
  imageId: string;
  /** The image the groups go back to (absent when there is none to go to). */
  rollbackTo?: string;
  via?: 'lineage' | 'group' | 'operator';
  groups: string[];
  /** rollback: point the groups back and replace the instances; notify: audit only. */
  kind: 'rollback' | 'notify';
  outcome: 'taken' | 'skipped';
  reason: ImageReason;
  reasonText: string;
  /** The counts the verdict rests on. */
  evidence: { launched: number; silentEarly: number; share: number; silentEarlyInstances: string[] };
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/** The id of the decision about one image. */
export function imageDecisionId(policyName: string, imageId: string): string {
  return decisionId(policyName, bareImageId(imageId), 'bad_image', bareImageId(imageId));
}

/** True when `imageId` carries a bad mark. */
export function isMarkedBad(marks: readonly ImageMark[], imageId: string): boolean {
  return marks.some((m) => bareImageId(m.image_id) === bareImageId(imageId));
}

/** Decisions about the images that fail the rule and are not yet marked. */
export function planImageDecisions(
  health: readonly ImageHealth[],
  marks: readonly ImageMark[],
  policy: Policy,
): ImageDecision[] {
  const rule = policy.onBadImage;
  if (!rule) return [];
  const { when } = rule;
  const out: ImageDecision[] = [];
  for (const h of health) {
    if (isMarkedBad(marks, h.imageId)) continue;
    const { launched, silentEarly } = h.counts;
    if (launched < when.minInstances) continue;
    const share = h.rates.silentEarly.share;
    if (share < when.share) continue;
    const why = `${silentEarly} of ${launched} instances (${percent(share)}) went silent within ${Math.round(when.silentWithin / 60_000)}m of boot, at or over onBadImage.when.share ${percent(when.share)}`;
    const base = {
      id: imageDecisionId(policy.name, h.imageId),
      imageId: h.imageId,
      groups: h.groups,
      kind: rule.action,
      evidence: { launched, silentEarly, share, silentEarlyInstances: h.silentEarlyInstances },
    } as const;
    const target = h.baseline;
    if (!target) {
      out.push({
        ...base,
        outcome: 'skipped',
        reason: 'no_target',
        reasonText: `${why}; but kiln knows no image it replaced (no lineage parent with instances, no earlier image in its groups): roll back by hand with kiln images rollback ${h.imageId} --to IMAGE`,
      });
      continue;
    }
    const decided = { ...base, rollbackTo: target.imageId, via: target.via };
    if (rule.action === 'rollback' && h.groups.length === 0) {
      out.push({
        ...decided,
        outcome: 'skipped',
        reason: 'no_target',
        reasonText: `${why}; but its instances name no group (kiln.group), and kiln rolls back groups: point whatever launches ${h.imageId} back to ${target.imageId} by hand`,
      });
    } else if (isMarkedBad(marks, target.imageId)) {
      out.push({
        ...decided,
        outcome: 'skipped',
        reason: 'target_bad',
        reasonText: `${why}; but the image it replaced, ${target.imageId}, is itself marked bad, and kiln never rolls back to a bad image: choose one with kiln images rollback ${h.imageId} --to IMAGE`,
      });
    } else if (policy.killSwitch && rule.action === 'rollback') {
      out.push({
        ...decided,
        outcome: 'skipped',
        reason: 'kill_switch',
        reasonText: `${why}; the kill switch is on (killSwitch: true): no rollback starts`,
      });
    } else {
      const verb = rule.action === 'rollback' ? 'roll back' : 'notify: would roll back';
      out.push({
        ...decided,
        outcome: 'taken',
        reason: 'image_failing',
        reasonText: `${why}: ${verb} ${h.groups.join(', ') || 'its instances'} to ${target.imageId} (the image it replaced, by ${target.via})`,
      });
    }
  }
  return out;
}
