/**
 * Following a replacement: the predecessor stays "in flight" (and counts against the budgets)
 * until an instance that can stand in for it reports in. Pure matching; the engine does the I/O.
 */
import type { RegistryDocument } from '../../lib/fleet.ts';
import { compareIds, replacementOf } from './planner.ts';

function startedMs(doc: RegistryDocument): number {
  return Date.parse(doc.kiln.launch_time ?? doc.kiln.first_seen);
}

/**
 * The successor of a replaced instance: the earliest instance that appeared after the replacement
 * was requested, is running, is in the same group (else has the same role), and is not already
 * another instance's successor.
 */
export function findSuccessor(
  predecessor: RegistryDocument,
  docs: readonly RegistryDocument[],
  taken: ReadonlySet<string>,
): RegistryDocument | undefined {
  const requested = Date.parse(replacementOf(predecessor)?.requested_at ?? '');
  if (Number.isNaN(requested)) return undefined;
  const same = (d: RegistryDocument) => {
    if (predecessor.kiln.group) return d.kiln.group === predecessor.kiln.group;
    if (predecessor.kiln.role) return d.kiln.role === predecessor.kiln.role;
    return true;
  };
  return docs
    .filter(
      (d) =>
        d.cloud.instance.id !== predecessor.cloud.instance.id &&
        !taken.has(d.cloud.instance.id) &&
        d.kiln.status === 'running' &&
        Date.parse(d.kiln.first_seen) >= requested &&
        same(d),
    )
    .sort((a, b) => startedMs(a) - startedMs(b) || compareIds(a.cloud.instance.id, b.cloud.instance.id))[0];
}

/** Instance ids already recorded as some instance's successor. */
export function takenSuccessors(docs: readonly RegistryDocument[]): Set<string> {
  const out = new Set<string>();
  for (const d of docs) {
    const s = replacementOf(d)?.successor;
    if (s) out.add(s);
  }
  return out;
}
