/**
 * The action audit: every decision (taken, deferred, skipped, dry, failed, escalated, completed)
 * becomes a document in the daily `actions` index with its reason, in ECS (`event.*`,
 * `cloud.instance.id`) plus `kiln.decision.*` and `kiln.action.*`. Each document id is
 * deterministic and written with `op_type: create`, so several collectors write it once.
 */
import type { Client } from '@elastic/elasticsearch';
import { KilnError } from '../../lib/errors.ts';
import { esStatusOf, wrapEsError } from '../../lib/es.ts';
import type { RegistryDocument } from '../../lib/fleet.ts';
import type { ActionResult } from '../actions/action.ts';
import type { Decision } from './planner.ts';

/** What an audit record says happened. */
export type AuditOutcome = 'taken' | 'deferred' | 'skipped' | 'dry' | 'failed' | 'escalated' | 'completed';

/** Everything an audit record is built from. */
export interface AuditInput {
  decision: Decision;
  outcome: AuditOutcome;
  policyName: string;
  collectorId: string;
  dryRun: boolean;
  atMs: number;
  instance?: RegistryDocument;
  attempt?: number;
  result?: ActionResult;
  /** Overrides the decision's sentence (failures, escalations, successors). */
  reasonText?: string;
  successor?: string;
}

/** The id of an audit record: the decision id for `taken`, a suffixed id for everything else. */
export function auditId(decisionId: string, suffix?: string): string {
  return suffix ? `${decisionId}.${suffix}` : decisionId;
}

/** ECS `event.outcome` of an audit record (instance and image decisions alike). */
export function eventOutcome(input: {
  outcome: AuditOutcome;
  result?: ActionResult | undefined;
}): 'success' | 'failure' | 'unknown' {
  if (input.outcome === 'failed' || input.outcome === 'escalated') return 'failure';
  if (input.outcome === 'completed') return 'success';
  if (input.result) return input.result.ok ? 'success' : 'failure';
  return 'unknown';
}

/** What an action result adds to `kiln.action` of an audit record. */
export function actionFields(result: ActionResult | undefined): Record<string, unknown> {
  if (!result) return {};
  const fields: Record<string, unknown> = { duration_ms: result.durationMs };
  if (result.exitCode !== undefined) fields.exit_code = result.exitCode;
  if (result.statusCode !== undefined) fields.status_code = result.statusCode;
  if (result.output !== undefined) fields.output = result.output;
  if (result.error) fields.error = result.error;
  if (result.delivery) fields.delivery = result.delivery;
  if (result.detail) fields.detail = result.detail;
  return fields;
}

/** Builds the audit document (pure). */
export function auditDocument(input: AuditInput): Record<string, unknown> {
  const { decision, instance, result } = input;
  const text = input.reasonText ?? decision.reasonText;
  const verb = decision.kind === 'notify' ? 'notify about' : 'replace';
  const dry = input.dryRun ? ' (dry run)' : '';
  const action: Record<string, unknown> = { type: decision.action };
  if (decision.warning) action.warning = decision.warning;
  if (input.successor) action.successor = input.successor;
  Object.assign(action, actionFields(result));
  return {
    '@timestamp': new Date(input.atMs).toISOString(),
    message: `${input.outcome}${dry}: ${verb} ${decision.instanceId}: ${text}`,
    event: {
      kind: 'event',
      category: ['configuration'],
      type: ['change'],
      action: `policy-${input.outcome}`,
      outcome: eventOutcome(input),
      reason: text,
    },
    cloud: {
      instance: { id: decision.instanceId },
      ...(instance?.cloud.image?.id ? { image: { id: instance.cloud.image.id } } : {}),
    },
    ...(instance?.host?.name ? { host: { name: instance.host.name } } : {}),
    ...(instance?.labels ? { labels: instance.labels } : {}),
    kiln: {
      kind: 'decision',
      decision: {
        id: decision.id,
        outcome: input.outcome,
        trigger: decision.trigger,
        reason: decision.reason,
        reason_text: text,
        kind: decision.kind,
        action: decision.action,
        policy: input.policyName,
        dry_run: input.dryRun,
        group: decision.group,
        instance_age_ms: decision.ageMs,
        collector: input.collectorId,
        ...(decision.order !== undefined ? { order: decision.order } : {}),
        ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
      },
      action,
    },
  };
}

/** Writes an audit record with create; false when that id already exists (another collector wrote it). */
export async function writeAudit(
  client: Client,
  index: string,
  id: string,
  document: Record<string, unknown>,
): Promise<boolean> {
  try {
    await client.create({ index, id, document });
    return true;
  } catch (error) {
    if (esStatusOf(error) === 409) return false;
    throw wrapEsError(error, `writing audit record ${id} to ${index}`);
  }
}

/**
 * Writes many audit records in one `_bulk` of create operations (deferred and skipped decisions,
 * every evaluation); an id that exists already (409) is another collector's identical record.
 * Returns how many were new.
 */
export async function writeAuditBatch(
  client: Client,
  index: string,
  records: { id: string; document: Record<string, unknown> }[],
): Promise<number> {
  if (records.length === 0) return 0;
  let result: Awaited<ReturnType<Client['bulk']>>;
  try {
    result = await client.bulk({
      operations: records.flatMap((r) => [{ create: { _index: index, _id: r.id } }, r.document]),
    });
  } catch (error) {
    throw wrapEsError(error, `writing ${records.length} audit records to ${index}`);
  }
  let created = 0;
  for (const item of result.items) {
    const status = item.create?.status ?? 0;
    if (status === 201) created += 1;
    else if (status !== 409) {
      throw new KilnError(
        'KILN_ERR_ES_REQUEST',
        `writing audit record ${item.create?._id} to ${index} failed: HTTP ${status} ${item.create?.error?.reason ?? ''}`.trim(),
      );
    }
  }
  return created;
}

/** Replaces the result fields of an audit record written earlier (the taken record, once the action ran). */
export async function completeAudit(
  client: Client,
  index: string,
  id: string,
  document: Record<string, unknown>,
): Promise<void> {
  try {
    await client.index({ index, id, document });
  } catch (error) {
    throw wrapEsError(error, `recording the result of ${id} in ${index}`);
  }
}
