/**
 * Audit records of image decisions (onBadImage, `kiln images rollback`): the same index, id
 * scheme and shape as instance decisions (audit.ts), about an image (`cloud.image.id`) instead
 * of an instance, with the counts the verdict rests on.
 */
import type { ActionResult } from '../actions/action.ts';
import { type AuditOutcome, actionFields, eventOutcome } from './audit.ts';
import type { ImageDecision } from './bad-image.ts';

/** Everything an image audit record is built from. */
export interface ImageAuditInput {
  decision: ImageDecision;
  outcome: AuditOutcome;
  policyName: string;
  collectorId: string;
  dryRun: boolean;
  atMs: number;
  /** The rollback's type (aws-asg, command) or notify. */
  actionType: string;
  attempt?: number;
  group?: string;
  result?: ActionResult;
  reasonText?: string;
}

/** Builds the audit document of an image decision (pure). */
export function imageAuditDocument(input: ImageAuditInput): Record<string, unknown> {
  const { decision, result } = input;
  const text = input.reasonText ?? decision.reasonText;
  const dry = input.dryRun ? ' (dry run)' : '';
  const verb = decision.kind === 'rollback' ? 'roll back image' : 'notify about image';
  const action: Record<string, unknown> = { type: input.actionType, ...actionFields(result) };
  const outcome = eventOutcome(input);
  return {
    '@timestamp': new Date(input.atMs).toISOString(),
    message: `${input.outcome}${dry}: ${verb} ${decision.imageId}: ${text}`,
    event: {
      kind: 'event',
      category: ['configuration'],
      type: ['change'],
      action: `policy-${input.outcome}`,
      outcome,
      reason: text,
    },
    cloud: { image: { id: decision.imageId } },
    kiln: {
      kind: 'decision',
      decision: {
        id: decision.id,
        outcome: input.outcome,
        trigger: 'bad_image',
        reason: decision.reason,
        reason_text: text,
        kind: decision.kind,
        action: decision.kind,
        policy: input.policyName,
        dry_run: input.dryRun,
        group: input.group ?? (decision.groups.join(',') || '-'),
        groups: decision.groups,
        collector: input.collectorId,
        launched: decision.evidence.launched,
        silent_early: decision.evidence.silentEarly,
        ...(decision.rollbackTo ? { rollback_to: decision.rollbackTo } : {}),
        ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
      },
      action,
    },
  };
}
