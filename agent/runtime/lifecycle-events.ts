/**
 * The agent's own lifecycle events (`kiln.kind: 'lifecycle'`): one at start, a termination
 * notice when the instance metadata announces one, and at shutdown one per file and journal
 * with its completeness (bytes or entries the collector confirmed versus what was there), then
 * one final report, so an investigation can tell whether a dead instance's logs are whole.
 */
import { kilnVersion } from '../../lib/version.ts';
import { deriveEventId, type WireEvent } from '../../lib/wire.ts';
import type { AgentIdentity } from '../pipeline/source.ts';
import type { FileCompleteness } from '../sources/file/index.ts';
import type { JournalCompleteness } from '../sources/journald/index.ts';
import type { TerminationNotice } from '../termination/notice.ts';

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

/** The shutdown completeness event of one journal: entries read versus durable. */
export function buildJournalCompletenessEvent(
  identity: AgentIdentity,
  runId: string,
  nowMs: number,
  reason: string,
  journal: JournalCompleteness,
): WireEvent {
  const message = `shutdown: journal ${journal.journal} ${journal.complete ? 'complete' : 'incomplete'}, ${journal.entriesShipped} of ${journal.entriesRead} entries read shipped`;
  return {
    ...base(identity, runId, `shutdown:journal:${journal.journal}`, nowMs, message),
    kiln: {
      kind: 'lifecycle',
      lifecycle: { phase: 'shutdown', reason },
      completeness: {
        journal: journal.journal,
        entries_read: journal.entriesRead,
        entries_shipped: journal.entriesShipped,
        complete: journal.complete,
      },
    },
  };
}

/**
 * The last event of a shutdown, sent once every completeness event is durable: whether every
 * source was complete, and for a termination which notice caused it. The collector completes
 * the instance's Auto Scaling lifecycle action when this event is durable.
 */
export function buildFinalReportEvent(
  identity: AgentIdentity,
  runId: string,
  nowMs: number,
  reason: string,
  summary: { complete: boolean; sources: number; termination?: 'autoscaling' | 'spot' },
): WireEvent {
  const message = `shutdown report (${reason}): ${summary.complete ? 'every source complete' : 'some sources incomplete'}`;
  return {
    ...base(identity, runId, 'shutdown:final', nowMs, message),
    kiln: {
      kind: 'lifecycle',
      lifecycle: {
        phase: 'shutdown',
        reason,
        final: true,
        complete: summary.complete,
        sources: summary.sources,
        ...(summary.termination ? { termination: summary.termination } : {}),
      },
    },
  };
}

/** The event sent as soon as the agent sees a termination notice in the instance metadata. */
export function buildTerminationNoticeEvent(
  identity: AgentIdentity,
  runId: string,
  nowMs: number,
  notice: TerminationNotice,
): WireEvent {
  return {
    ...base(identity, runId, `notice:${notice.kind}`, nowMs, notice.message),
    kiln: {
      kind: 'lifecycle',
      lifecycle: {
        phase: 'termination_notice',
        termination: notice.kind,
        ...(notice.targetState ? { target_state: notice.targetState } : {}),
        ...(notice.spotAction ? { spot_action: notice.spotAction } : {}),
        ...(notice.spotTime ? { spot_time: notice.spotTime } : {}),
      },
    },
  };
}
