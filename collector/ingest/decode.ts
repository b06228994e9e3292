/**
 * Decodes an inflated batch (pure): NDJSON, one event per line. Each line is parsed, its nesting
 * bounded (deeper than `maxDepth` would crash whatever walks it later), its dotted keys expanded
 * (normalize.ts), and checked against the wire schema. A malformed line fails the whole batch with
 * its line number, so the agent never half-ships a batch; an event that is only too large, or whose
 * keys conflict, is kept with its reason and dead-lettered, so it is never retried forever.
 * A line in the agent's own canonical form is read from its bytes instead (canonical.ts): it
 * cannot be nested too deep or hold a dotted key, and it is checked against the same schema.
 */
import { isUtf8 } from 'node:buffer';
import { eventKinds, type WireEvent } from '../../lib/wire.ts';
import { type CanonicalLine, readCanonicalLine } from './canonical.ts';
import { depthExceeds, expandDottedKeys, isPlainObject } from './normalize.ts';

/** Why a batch could not be decoded; `status` is the HTTP answer to give. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly status: 400 | 413;
  constructor(status: 400 | 413, message: string) {
    super(message);
    this.status = status;
  }
}

/** Limits on a batch. */
export interface DecodeLimits {
  maxEvents: number;
  maxEventBytes: number;
  maxDepth: number;
}

/** One decoded line: the event, its size, and why it is refused when it is. */
export interface DecodedEvent {
  event: WireEvent;
  /** Bytes of the line as sent. */
  bytes: number;
  /** Set when the event is dead-lettered instead of stored (too large, conflicting keys). */
  refusal?: string;
  /** For a refused event: the start of the line as sent (bounded), kept in the dead letter. */
  head?: string;
  /** Set for a line in the agent's canonical form (canonical.ts): stored from its bytes (splice.ts). */
  canonical?: CanonicalLine;
}

/** How much of a refused line the dead letter keeps. */
export const refusedHeadBytes = 64 * 1024;

/** Parses an inflated batch into events. Throws DecodeError. */
export function decodeBatch(raw: Buffer, limits: DecodeLimits): DecodedEvent[] {
  const events: DecodedEvent[] = [];
  // Canonical lines are read from their bytes, which must then be valid UTF-8 (as JSON.parse's
  // input always is, invalid sequences replaced): an agent never sends anything else.
  const canonical = limits.maxDepth >= canonicalDepth && isUtf8(raw);
  let start = 0;
  let lineNo = 0;
  while (start <= raw.length) {
    let end = raw.indexOf(10, start);
    if (end === -1) end = raw.length;
    lineNo++;
    const bytes = end - start;
    if (bytes > 0 && !isBlank(raw, start, end)) {
      const line =
        canonical && bytes <= limits.maxEventBytes ? readCanonicalLine(raw, start, end) : undefined;
      events.push(line ? decodeCanonical(line, lineNo) : decodeLine(raw, start, end, lineNo, limits));
      if (events.length > limits.maxEvents) {
        throw new DecodeError(
          413,
          `the batch has more than ${limits.maxEvents} events; send smaller batches`,
        );
      }
    }
    start = end + 1;
  }
  if (events.length === 0) throw new DecodeError(400, 'the batch holds no events');
  return events;
}

function decodeLine(
  raw: Buffer,
  start: number,
  end: number,
  lineNo: number,
  limits: DecodeLimits,
): DecodedEvent {
  const text = raw.toString('utf8', start, end);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DecodeError(400, `line ${lineNo}: not valid JSON (${(error as Error).message})`);
  }
  if (depthExceeds(parsed, limits.maxDepth)) {
    throw new DecodeError(400, `line ${lineNo}: nested deeper than ${limits.maxDepth} levels`);
  }
  if (!isPlainObject(parsed)) throw new DecodeError(400, `line ${lineNo}: expected a JSON object`);
  const normalized = expandDottedKeys(parsed);
  const event = normalized.ok ? normalized.value : parsed;
  const problem = checkWireEvent(event);
  if (problem) throw new DecodeError(400, `line ${lineNo}: ${problem}`);
  const bytes = end - start;
  const decoded: DecodedEvent = { event: event as WireEvent, bytes };
  let refusal: string | undefined;
  if (bytes > limits.maxEventBytes) {
    refusal = `the event is ${bytes} bytes, more than the collector's maxEventBytes (${limits.maxEventBytes})`;
  } else if (!normalized.ok) {
    refusal = `the event's field names conflict: ${normalized.reason}`;
  }
  if (refusal) {
    decoded.refusal = refusal;
    decoded.head = raw.toString('utf8', start, Math.min(end, start + refusedHeadBytes));
  }
  return decoded;
}

/** Nesting depth of the canonical form (`log.file`, `host.boot`, `kiln.log`), as `depthExceeds` counts. */
const canonicalDepth = 3;

/** checkWireEvent of a canonical line, which is an object of kind `log` with an event id string. */
function decodeCanonical(line: CanonicalLine, lineNo: number): DecodedEvent {
  const idBytes = line.eventIdEnd - line.eventIdAt;
  const problem =
    idBytes === 0 || idBytes > maxEventIdBytes
      ? eventIdProblem
      : Number.isNaN(line.timestampMs)
        ? timestampProblem
        : undefined;
  if (problem) throw new DecodeError(400, `line ${lineNo}: ${problem}`);
  return line;
}

const maxEventIdBytes = 512;
const eventIdProblem = `"event.id" must be a non-empty string of at most ${maxEventIdBytes} bytes`;
const timestampProblem = '"@timestamp" must be an ISO-8601 date string';

/** What is wrong with one decoded (and normalised) line, or undefined when it is a valid wire event. */
export function checkWireEvent(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'expected a JSON object';
  const meta = value.event;
  if (!isPlainObject(meta)) return 'missing "event" object with the event id';
  const id = meta.id;
  if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id) > maxEventIdBytes)
    return eventIdProblem;
  const kiln = value.kiln;
  if (!isPlainObject(kiln) || !(eventKinds as readonly unknown[]).includes(kiln.kind)) {
    return `"kiln.kind" must be one of ${eventKinds.join(', ')}`;
  }
  const ts = value['@timestamp'];
  if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts))) return timestampProblem;
  return undefined;
}

function isBlank(raw: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = raw[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}
