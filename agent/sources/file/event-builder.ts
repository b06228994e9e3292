/**
 * Builds the ECS document of a log record (https://www.elastic.co/docs/reference/ecs):
 * `message`, `log.file.path`, `log.offset`, `host.*`, `agent.*`, and the deterministic
 * `event.id` from (instance, file fingerprint, byte offset). `event.ingested` is the
 * collector's to set. `buildLogEvent` is the document as an object (the reference);
 * `LogEventEncoder` writes the same document straight to its JSON line, which is what the
 * tailer ships (one string per event instead of a dozen objects and a stringify).
 */
import { deriveEventId, type WireEvent } from '../../../lib/wire.ts';
import type { AgentIdentity, EncodedEvent } from '../../pipeline/source.ts';
import type { LogRecord } from './multiline.ts';
import { extractTimestamp, parseJsonObject, type TimestampRule } from './timestamp.ts';

/** How the records of one input become events. */
export interface EventShape {
  timestamp: TimestampRule | undefined;
  /** Parse JSON lines into `kiln.log.json`. */
  json: boolean;
}

function kilnLog(record: LogRecord, fingerprint: string, parsed: unknown, shape: EventShape) {
  const log: Record<string, unknown> = { fingerprint };
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
  return log;
}

function parsedOf(record: LogRecord, shape: EventShape): Record<string, unknown> | undefined {
  const wantsJson = shape.json || shape.timestamp?.jsonField !== undefined;
  return wantsJson && record.lines === 1 ? parseJsonObject(record.text) : undefined;
}

/** The ECS event of one record, as an object. */
export function buildLogEvent(
  record: LogRecord,
  file: { path: string; fingerprint: string },
  identity: AgentIdentity,
  shape: EventShape,
  readAtMs: number,
): WireEvent {
  const parsed = parsedOf(record, shape);
  return {
    '@timestamp': extractTimestamp(record.text, parsed, shape.timestamp, new Date(readAtMs).toISOString()),
    message: record.text,
    log: { file: { path: file.path }, offset: record.offset },
    host: { name: identity.hostname, boot: { id: identity.bootId } },
    agent: { id: identity.instanceId },
    event: { id: deriveEventId(identity.instanceId, file.fingerprint, record.offset) },
    kiln: { kind: 'log', log: kilnLog(record, file.fingerprint, parsed, shape) },
  };
}

/** Writes the JSON lines of one file's events; the parts that never change are serialized once. */
export class LogEventEncoder {
  readonly #identity: AgentIdentity;
  readonly #shape: EventShape;
  readonly #hostAgent: string;
  #path = '';
  #fingerprint = '';
  #pathJson = '';
  #plainKiln = '';

  constructor(identity: AgentIdentity, shape: EventShape) {
    this.#identity = identity;
    this.#shape = shape;
    const host = { name: identity.hostname, boot: { id: identity.bootId } };
    // A log line does not repeat the agent's type and version: its lifecycle events and the
    // registry carry them, and Elasticsearch would store them on every line.
    const agent = { id: identity.instanceId };
    this.#hostAgent = `"host":${JSON.stringify(host)},"agent":${JSON.stringify(agent)}`;
  }

  /** The event of `record` read from `file`; `readAtIso` is its @timestamp when the line names none. */
  encode(record: LogRecord, file: { path: string; fingerprint: string }, readAtIso: string): EncodedEvent {
    if (file.path !== this.#path || file.fingerprint !== this.#fingerprint) {
      this.#path = file.path;
      this.#fingerprint = file.fingerprint;
      this.#pathJson = JSON.stringify(file.path);
      this.#plainKiln = `{"kind":"log","log":{"fingerprint":${JSON.stringify(file.fingerprint)}}}`;
    }
    const parsed = parsedOf(record, this.#shape);
    const timestamp = extractTimestamp(record.text, parsed, this.#shape.timestamp, readAtIso);
    const id = deriveEventId(this.#identity.instanceId, file.fingerprint, record.offset);
    const plain =
      record.lines === 1 && !record.truncated && !record.invalidUtf8 && !(this.#shape.json && parsed);
    const kiln = plain
      ? this.#plainKiln
      : JSON.stringify({ kind: 'log', log: kilnLog(record, file.fingerprint, parsed, this.#shape) });
    // Ids and timestamps are base64url and ISO-8601: no character in them needs escaping.
    const json =
      `{"@timestamp":"${timestamp}","message":${JSON.stringify(record.text)},` +
      `"log":{"file":{"path":${this.#pathJson}},"offset":${record.offset}},${this.#hostAgent},` +
      `"event":{"id":"${id}"},"kiln":${kiln}}`;
    return { encoded: true, id, json };
  }
}
