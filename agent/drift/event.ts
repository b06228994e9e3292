/**
 * Drift events: one per difference, with a deterministic id from (instance, baseline digest,
 * difference), so the same difference is one document however often it is sent.
 */
import { driftSeverity } from '../../lib/drift-severity.ts';
import { deriveEventId, type WireEvent } from '../../lib/wire.ts';
import type { Difference } from '../baseline/types.ts';
import type { AgentIdentity } from '../pipeline/source.ts';

/** The identity of a difference: what changed and to what (a later, different change is a new one). */
export function differenceKey(d: Difference): string {
  return [d.category, d.path, d.change, d.attribute ?? '', d.after ?? ''].join('\u0000');
}

const ecsType: Record<Difference['change'], string> = {
  added: 'creation',
  removed: 'deletion',
  changed: 'change',
};

/** ECS `event.category` of each drift category. */
const ecsCategory: Record<Difference['category'], string[]> = {
  file: ['file'],
  authorized_keys: ['file'],
  package_file: ['file', 'package'],
  package: ['package'],
  unit: ['configuration'],
  user: ['iam'],
  group: ['iam'],
  module: ['driver'],
  socket: ['network'],
};

/** The drift event of one difference. */
export function buildDriftEvent(
  d: Difference,
  identity: AgentIdentity,
  baselineDigest: string,
  nowMs: number,
): WireEvent {
  const what = d.change === 'changed' ? `${d.attribute} changed` : d.change;
  const event: WireEvent = {
    '@timestamp': new Date(nowMs).toISOString(),
    message: `drift: ${d.category} ${d.path} ${what}${d.change === 'changed' ? ` (${d.before} -> ${d.after})` : ''}`,
    event: {
      id: deriveEventId(identity.instanceId, `drift:${baselineDigest}`, differenceKey(d)),
      kind: 'event',
      category: ecsCategory[d.category],
      type: [ecsType[d.change]],
      action: 'drift-detected',
      dataset: 'kiln.drift',
    },
    host: { hostname: identity.hostname, name: identity.hostname, boot: { id: identity.bootId } },
    cloud: { instance: { id: identity.instanceId } },
    kiln: {
      kind: 'drift',
      drift: {
        change: d.change,
        category: d.category,
        severity: driftSeverity(d),
        path: d.path,
        ...(d.attribute !== undefined ? { attribute: d.attribute } : {}),
        ...(d.before !== undefined ? { before: d.before } : {}),
        ...(d.after !== undefined ? { after: d.after } : {}),
        baseline_digest: baselineDigest,
      },
    },
  };
  if (d.category === 'file' || d.category === 'authorized_keys' || d.category === 'package_file')
    event.file = { path: d.path };
  if (d.category === 'package') {
    const [name = d.path, arch] = d.path.split(':');
    const version = d.change === 'removed' ? d.before : d.after;
    event.package = { name, ...(arch ? { architecture: arch } : {}), ...(version ? { version } : {}) };
  }
  return event;
}
