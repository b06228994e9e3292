/**
 * The agent's own lifecycle events (`kiln.kind: 'lifecycle'`): one at start, and at shutdown
 * one per file with its completeness — bytes the collector confirmed versus the file's size —
 * so an investigation can tell whether a dead instance's logs are whole.
 */
import { kilnVersion } from '../../lib/version.ts';
import { deriveEventId, type WireEvent } from '../../lib/wire.ts';
import type { AgentIdentity } from '../pipeline/source.ts';
import type { FileCompleteness } from '../sources/file/index.ts';

function base(identity: AgentIdentity, runId: string, key: string, nowMs: number, message: string) {
  return {
    '@timestamp': new Date(nowMs).toISOString(),
    message,
    host: { name: identity.hostname, boot: { id: identity.bootId } },
    agent: { type: 'kiln-agent', version: kilnVersion, id: identity.instanceId },
    event: {
      id: deriveEventId(identity.instanceId, `lifecycle:${identity.bootId}:${runId}`, key),
      kind: 'event',
      category: ['process'],
      dataset: 'kiln.lifecycle',
    },
  };
}

/** The event sent when the agent starts. `runId` is unique per agent process. */
export function buildStartEvent(identity: AgentIdentity, runId: string, nowMs: number): WireEvent {
  return {
    ...base(identity, runId, 'start', nowMs, `kiln-agent ${kilnVersion} started`),
    kiln: { kind: 'lifecycle', lifecycle: { phase: 'start' } },
  };
}

/** The shutdown completeness event of one file. */
export function buildCompletenessEvent(
  identity: AgentIdentity,
  runId: string,
  nowMs: number,
  reason: string,
  file: FileCompleteness,
): WireEvent {
  const message = `shutdown: ${file.file} ${file.complete ? 'complete' : 'incomplete'}, ${file.bytesShipped} of ${file.fileSize} bytes shipped`;
  return {
    ...base(identity, runId, `shutdown:${file.file}`, nowMs, message),
    kiln: {
      kind: 'lifecycle',
      lifecycle: { phase: 'shutdown', reason },
      completeness: {
        file: file.file,
        bytes_shipped: file.bytesShipped,
        file_size: file.fileSize,
        complete: file.complete,
      },
    },
  };
}
