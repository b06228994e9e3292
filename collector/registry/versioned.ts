/**
 * Conditional writes of the policy engine on registry documents. A replacement is claimed with
 * optimistic concurrency on the registry document (`if_seq_no`/`if_primary_term`,
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/optimistic-concurrency-control.html),
 * so when two collectors decide the same thing at once exactly one of them acts.
 */
import type { Client } from '@elastic/elasticsearch';
import { esStatusOf, wrapEsError } from '../../lib/es.ts';
import type { IndexNames } from '../../lib/indices.ts';
import type { Decision } from '../policy/planner.ts';
import type { VersionedDoc } from './query.ts';

/**
 * Marks the instance `replacing` for this decision, if the document is still at the version the
 * plan was made from. False when another writer (another collector) changed it first.
 */
export async function claimReplacement(
  client: Client,
  names: IndexNames,
  versioned: VersionedDoc,
  claim: { decisionId: string; atMs: number; collectorId: string; reason: string; decision: Decision },
): Promise<boolean> {
  const at = new Date(claim.atMs).toISOString();
  try {
    await client.update({
      index: names.state('registry'),
      id: versioned.doc.cloud.instance.id,
      if_seq_no: versioned.seqNo,
      if_primary_term: versioned.primaryTerm,
      refresh: true,
      doc: {
        '@timestamp': at,
        kiln: {
          status: 'replacing',
          status_changed_at: at,
          status_reason: claim.reason,
          replacement: {
            decision_id: claim.decisionId,
            requested_at: at,
            collector: claim.collectorId,
            previous_status: versioned.doc.kiln.status,
            trigger: claim.decision.trigger,
            reason: claim.decision.reason,
            action: claim.decision.action,
          },
        },
      },
    });
    return true;
  } catch (error) {
    if (esStatusOf(error) === 409) return false;
    throw wrapEsError(error, `claiming the replacement of ${versioned.doc.cloud.instance.id}`);
  }
}

/** Records a partial change of a registry document (escalation, successor). */
export async function updateRegistry(
  client: Client,
  names: IndexNames,
  instanceId: string,
  doc: Record<string, unknown>,
): Promise<void> {
  try {
    await client.update({ index: names.state('registry'), id: instanceId, refresh: true, doc });
  } catch (error) {
    throw wrapEsError(error, `updating the registry document of ${instanceId}`);
  }
}
