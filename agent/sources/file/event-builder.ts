/**
 * Builds the ECS document of a log record (https://www.elastic.co/docs/reference/ecs):
 * `message`, `log.file.path`, `log.offset`, `host.*`, `agent.*`, and the deterministic
 * `event.id` from (instance, file fingerprint, byte offset). `event.ingested` is the
 * collector's to set.
 */
import { kilnVersion } from '../../../lib/version.ts';
import { deriveEventId, type WireEvent } from '../../../lib/wire.ts';
import type { AgentIdentity } from '../../pipeline/source.ts';
import type { LogRecord } from './multiline.ts';
import { extractTimestamp, parseJsonObject, type TimestampRule } from './timestamp.ts';

/** How the records of one input become events. */
export interface EventShape {
  timestamp: TimestampRule | undefined;
  /** Parse JSON lines into `kiln.log.json`. */
  json: boolean;
}

/** The ECS event of one record. */
export function buildLogEvent(
  record: LogRecord,
  file: { path: string; fingerprint: string },
  identity: AgentIdentity,
  shape: EventShape,
  readAtMs: number,
): WireEvent {
  const wantsJson = shape.json || shape.timestamp?.jsonField !== undefined;
  const parsed = wantsJson && record.lines === 1 ? parseJsonObject(record.text) : undefined;
  const log: Record<string, unknown> = { fingerprint: file.fingerprint };
  if (record.lines > 1) {
    log.multiline = true;
    log.lines = record.lines;
  }
  if (record.truncated) {
    log.truncated = true;
    log.original_bytes = record.originalBytes;
  }
  if (record.invalidUtf8) log.invalid_utf8 = true;
  if (shape.json && parsed) log.json = parsed;
  return {
    '@timestamp': extractTimestamp(record.text, parsed, shape.timestamp, readAtMs),
    message: record.text,
    log: { file: { path: file.path }, offset: record.offset },
    host: { name: identity.hostname, boot: { id: identity.bootId } },
    agent: { type: 'kiln-agent', version: kilnVersion, id: identity.instanceId },
    event: { id: deriveEventId(identity.instanceId, file.fingerprint, record.offset) },
    kiln: { kind: 'log', log },
  };
}
