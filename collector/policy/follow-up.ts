/**
 * Following replacements: a replaced instance stays in flight (counting against the budgets)
 * until its successor reports in; then the predecessor is marked `replaced` and a `completed`
 * record names the successor. No successor within successorTimeout: escalated in the audit, once.
 */
import type { Client } from '@elastic/elasticsearch';
import { instanceAgeMs } from '../../lib/fleet.ts';
import type { IndexNames } from '../../lib/indices.ts';
import type { Logger } from '../../lib/log.ts';
import { updateRegistry, type VersionedDoc } from '../registry/index.ts';
import { type AuditInput, auditId, writeAudit } from './audit.ts';
import type { Policy } from './config.ts';
import { type Decision, replacementOf } from './planner.ts';
import { findSuccessor, takenSuccessors } from './successor.ts';

/** What following needs from the engine. */
export interface FollowContext {
  client: Client;
  names: IndexNames;
  policy: Policy;
  log: Logger;
  audit: (input: Omit<AuditInput, 'policyName' | 'collectorId' | 'dryRun'>) => Record<string, unknown>;
}

/** Marks predecessors whose successor reported in; escalates those waiting past successorTimeout. */
export async function followReplacements(
  context: FollowContext,
  versioned: VersionedDoc[],
  nowMs: number,
  index: string,
): Promise<{ instanceId: string; successor: string }[]> {
  const { client, names, policy, log, audit } = context;
  const docs = versioned.map((v) => v.doc);
  const taken = takenSuccessors(docs);
  const completed: { instanceId: string; successor: string }[] = [];
  for (const { doc } of versioned) {
    const r = replacementOf(doc);
    if (!r?.decision_id || r.successor || r.escalated_at) continue;
    const decision = decisionFromRegistry(doc, r.decision_id, nowMs);
    const successor = findSuccessor(doc, docs, taken);
    if (successor) {
      const successorId = successor.cloud.instance.id;
      taken.add(successorId);
      const at = new Date(nowMs).toISOString();
      await updateRegistry(client, names, doc.cloud.instance.id, {
        kiln: {
          status: 'replaced',
          status_changed_at: at,
          status_reason: `replaced by ${successorId}`,
          replacement: { successor: successorId },
        },
      });
      doc.kiln.status = 'replaced';
      doc.kiln.replacement = { ...r, successor: successorId };
      const text = `successor ${successorId} reported in`;
      await writeAudit(
        client,
        index,
        auditId(r.decision_id, 'completed'),
        audit({
          decision,
          outcome: 'completed',
          atMs: nowMs,
          instance: doc,
          reasonText: text,
          successor: successorId,
        }),
      );
      completed.push({ instanceId: doc.cloud.instance.id, successor: successorId });
    } else if (nowMs - Date.parse(r.requested_at ?? '') > policy.successorTimeout) {
      const text = `no successor has reported in since the replacement was requested at ${r.requested_at}; check the group's launch template and the new instance's agent`;
      const fresh = await writeAudit(
        client,
        index,
        auditId(r.decision_id, 'escalated.successor'),
        audit({ decision, outcome: 'escalated', atMs: nowMs, instance: doc, reasonText: text }),
      );
      if (fresh)
        log.warn('replacement escalated: no successor', { 'cloud.instance.id': doc.cloud.instance.id });
    }
  }
  return completed;
}

/** A decision rebuilt from a registry claim, for the records written while following it. */
function decisionFromRegistry(doc: VersionedDoc['doc'], decisionId: string, nowMs: number): Decision {
  const r = replacementOf(doc) ?? {};
  return {
    id: decisionId,
    instanceId: doc.cloud.instance.id,
    group: doc.kiln.group ?? '-',
    trigger: (r.trigger as Decision['trigger']) ?? 'max_age',
    kind: 'replace',
    action: (r.action as Decision['action']) ?? 'notify',
    outcome: 'taken',
    reason: (r.reason as 'max_age_exceeded') ?? 'max_age_exceeded',
    reasonText: doc.kiln.status_reason ?? '',
    ageMs: instanceAgeMs(doc, nowMs),
  } as Decision;
}
