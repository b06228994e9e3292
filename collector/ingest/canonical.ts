/**
 * Reads a log line in the agent's canonical form straight from its bytes (pure), with no
 * `JSON.parse`, no copy of the line as a string and no message string at all: decoding, the
 * canonical check and the garbage they made were most of the collector's CPU per line
 * (bench/RESULTS.md). The form is exactly what agent/sources/file/event-builder.ts writes for a
 * plain line:
 *
 *   {"@timestamp":"T","message":M,"log":{"file":{"path":"P"},"offset":N},"host":{"name":"H",
 *   "boot":{"id":"B"}},"agent":{"id":"A"},"event":{"id":"E"},"kiln":{"kind":"log","log":
 *   {"fingerprint":"F"}}}
 *
 * with no whitespace; M is any valid JSON string literal; T, P, H, B, A, E and F are literals
 * with no escape (so each is its value between quotes, and `JSON.stringify` of the value gives
 * the same bytes back); N is a decimal safe integer. The batch is valid UTF-8 (checked once per
 * batch). A line in that form is valid JSON, holds each of its keys once, no dotted key and no
 * collector-owned field, so it is stored from its own head bytes (splice.ts). Anything else,
 * an older agent's lines and every hostile spelling included, returns undefined and takes the
 * general path (decode.ts), which decides what is wrong with it.
 */
import type { WireEvent } from '../../lib/wire.ts';

/** A canonical log line's fields, as the rest of the collector reads them (no message). */
export interface CanonicalLogEvent extends WireEvent {
  log: { file: { path: string }; offset: number };
  host: { name: string; boot: { id: string } };
  agent: { id: string };
  event: { id: string };
  kiln: { kind: 'log'; log: { fingerprint: string } };
}

/**
 * A canonical line: where its parts lie in the batch's bytes (each `[…At, …End)` of `raw`), and
 * the few values the collector reads of every line. It is stored from its bytes (splice.ts), so
 * the line as an event object is only made when something asks for it (`event`).
 */
export class CanonicalLine {
  readonly raw: Buffer;
  /** `{"@timestamp":"T","message":M`, as it arrived: `raw[start, headEnd)`. */
  readonly start: number;
  readonly headEnd: number;
  /** `@timestamp` in ms as `Date.parse` reads it (NaN when it is not a date). */
  readonly timestampMs: number;
  readonly offset: number;
  readonly eventId: string;
  readonly fingerprint: string;
  /** Bytes of the line as sent. */
  readonly bytes: number;
  readonly timestampAt: number;
  readonly timestampEnd: number;
  readonly pathAt: number;
  readonly pathEnd: number;
  readonly offsetAt: number;
  readonly offsetEnd: number;
  readonly hostNameAt: number;
  readonly hostNameEnd: number;
  readonly bootIdAt: number;
  readonly bootIdEnd: number;
  readonly agentIdAt: number;
  readonly agentIdEnd: number;
  readonly eventIdAt: number;
  readonly eventIdEnd: number;
  readonly fingerprintAt: number;
  readonly fingerprintEnd: number;
  #event: CanonicalLogEvent | undefined;

  constructor(raw: Buffer, start: number, end: number, at: Positions, timestampMs: number, offset: number) {
    this.raw = raw;
    this.start = start;
    this.bytes = end - start;
    this.headEnd = at.headEnd;
    this.timestampMs = timestampMs;
    this.offset = offset;
    this.timestampAt = at.timestampAt;
    this.timestampEnd = at.timestampEnd;
    this.pathAt = at.pathAt;
    this.pathEnd = at.pathEnd;
    this.offsetAt = at.offsetAt;
    this.offsetEnd = at.offsetEnd;
    this.hostNameAt = at.hostNameAt;
    this.hostNameEnd = at.hostNameEnd;
    this.bootIdAt = at.bootIdAt;
    this.bootIdEnd = at.bootIdEnd;
    this.agentIdAt = at.agentIdAt;
    this.agentIdEnd = at.agentIdEnd;
    this.eventIdAt = at.eventIdAt;
    this.eventIdEnd = at.eventIdEnd;
    this.fingerprintAt = at.fingerprintAt;
    this.fingerprintEnd = at.fingerprintEnd;
    this.eventId = raw.toString('utf8', at.eventIdAt, at.eventIdEnd);
    this.fingerprint = fingerprints.read(raw, at.fingerprintAt, at.fingerprintEnd);
  }

  /** The line as the event it is (the same as JSON.parse of it would give, without `message`). */
  get event(): CanonicalLogEvent {
    if (this.#event === undefined) {
      const raw = this.raw;
      this.#event = {
        '@timestamp': raw.toString('utf8', this.timestampAt, this.timestampEnd),
        log: { file: { path: paths.read(raw, this.pathAt, this.pathEnd) }, offset: this.offset },
        host: {
          name: hostNames.read(raw, this.hostNameAt, this.hostNameEnd),
          boot: { id: bootIds.read(raw, this.bootIdAt, this.bootIdEnd) },
        },
        agent: { id: agentIds.read(raw, this.agentIdAt, this.agentIdEnd) },
        event: { id: this.eventId },
        kiln: { kind: 'log', log: { fingerprint: this.fingerprint } },
      };
    }
    return this.#event;
  }

  /** A decoded line that is canonical is its own canonical form (decode.ts DecodedEvent). */
  get canonical(): CanonicalLine {
    return this;
  }
}

/** Where the parts of a canonical line start and end. */
type Positions = {
  [K in keyof CanonicalLine as K extends `${string}At` | `${string}End` ? K : never]: number;
};

const bytes = (text: string) => Buffer.from(text, 'latin1');
const openTimestamp = bytes('{"@timestamp":"');
const toMessage = bytes('","message":"');
const toPath = bytes(',"log":{"file":{"path":"');
const toOffset = bytes('"},"offset":');
const toHostName = bytes('},"host":{"name":"');
const toBootId = bytes('","boot":{"id":"');
const toAgentId = bytes('"}},"agent":{"id":"');
const toEventId = bytes('"},"event":{"id":"');
const toFingerprint = bytes('"},"kiln":{"kind":"log","log":{"fingerprint":"');
const close = bytes('"}}}');

/**
 * The last value read for a field that repeats line after line (a file's path, the host name,
 * the boot id, the agent id, the fingerprint): equal bytes give the same string, not a new one.
 */
class RepeatedString {
  #bytes = Buffer.alloc(0);
  #value = '';

  read(raw: Buffer, from: number, to: number): string {
    const length = to - from;
    const last = this.#bytes;
    if (length === last.length) {
      let i = 0;
      while (i < length && raw[from + i] === last[i]) i++;
      if (i === length) return this.#value;
    }
    this.#bytes = Buffer.from(raw.subarray(from, to));
    this.#value = raw.toString('utf8', from, to);
    return this.#value;
  }
}

const paths = new RepeatedString();
const hostNames = new RepeatedString();
const bootIds = new RepeatedString();
const agentIds = new RepeatedString();
const fingerprints = new RepeatedString();

/** Digits of the largest offset read here: 15 always fit a safe integer. */
const maxOffsetDigits = 15;

/** The line `raw[start, end)` as a canonical log line, or undefined (see the file comment). */
export function readCanonicalLine(raw: Buffer, start: number, end: number): CanonicalLine | undefined {
  const timestampEnd = plainAfter(raw, start, end, openTimestamp);
  if (timestampEnd < 0) return undefined;
  const timestampMs = millisOf(raw, start + openTimestamp.length, timestampEnd);
  const messageAt = expect(raw, timestampEnd, end, toMessage);
  const messageEnd = stringLiteral(raw, messageAt, end);
  if (messageEnd < 0) return undefined;
  const headEnd = messageEnd + 1;
  const pathEnd = plainAfter(raw, headEnd, end, toPath);
  if (pathEnd < 0) return undefined;
  let at = expect(raw, pathEnd, end, toOffset);
  if (at < 0) return undefined;
  let offset = 0;
  const digitsAt = at;
  while (at < end && raw[at]! >= 0x30 && raw[at]! <= 0x39) offset = offset * 10 + (raw[at++]! - 0x30);
  const digits = at - digitsAt;
  if (digits === 0 || digits > maxOffsetDigits || (digits > 1 && raw[digitsAt] === 0x30)) return undefined;
  const hostEnd = plainAfter(raw, at, end, toHostName);
  if (hostEnd < 0) return undefined;
  const bootEnd = plainAfter(raw, hostEnd, end, toBootId);
  if (bootEnd < 0) return undefined;
  const agentEnd = plainAfter(raw, bootEnd, end, toAgentId);
  if (agentEnd < 0) return undefined;
  const eventEnd = plainAfter(raw, agentEnd, end, toEventId);
  if (eventEnd < 0) return undefined;
  const fingerprintEnd = plainAfter(raw, eventEnd, end, toFingerprint);
  if (fingerprintEnd < 0) return undefined;
  if (expect(raw, fingerprintEnd, end, close) !== end) return undefined;
  const positions: Positions = {
    timestampAt: start + openTimestamp.length,
    timestampEnd,
    headEnd,
    pathAt: headEnd + toPath.length,
    pathEnd,
    offsetAt: digitsAt,
    offsetEnd: at,
    hostNameAt: at + toHostName.length,
    hostNameEnd: hostEnd,
    bootIdAt: hostEnd + toBootId.length,
    bootIdEnd: bootEnd,
    agentIdAt: bootEnd + toAgentId.length,
    agentIdEnd: agentEnd,
    eventIdAt: agentEnd + toEventId.length,
    eventIdEnd: eventEnd,
    fingerprintAt: eventEnd + toFingerprint.length,
    fingerprintEnd,
  };
  return new CanonicalLine(raw, start, end, positions, timestampMs, offset);
}

// The day of the last timestamp read: a batch's lines are mostly of one day.
const lastDay = Buffer.alloc(10);
let lastDayMs = Number.NaN;

/**
 * `Date.parse(text)` of the timestamp `raw[at, end)`: the agent's own `YYYY-MM-DDTHH:MM:SS.sssZ`
 * is read from its digits (the same figure for every value in the ranges below, which are
 * Date.parse's for that form); any other spelling is left to Date.parse.
 */
function millisOf(raw: Buffer, at: number, end: number): number {
  if (end - at !== 24 || raw[at + 4] !== 0x2d || raw[at + 7] !== 0x2d || raw[at + 10] !== 0x54)
    return Date.parse(raw.toString('utf8', at, end));
  if (raw[at + 13] !== 0x3a || raw[at + 16] !== 0x3a || raw[at + 19] !== 0x2e || raw[at + 23] !== 0x5a)
    return Date.parse(raw.toString('utf8', at, end));
  const hour = digits(raw, at + 11, 2);
  const minute = digits(raw, at + 14, 2);
  const second = digits(raw, at + 17, 2);
  const ms = digits(raw, at + 20, 3);
  if (!(hour <= 23 && minute <= 59 && second <= 59 && ms >= 0))
    return Date.parse(raw.toString('utf8', at, end));
  if (raw.compare(lastDay, 0, 10, at, at + 10) !== 0) {
    const year = digits(raw, at, 4);
    const month = digits(raw, at + 5, 2);
    const day = digits(raw, at + 8, 2);
    if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= 31))
      return Date.parse(raw.toString('utf8', at, end));
    raw.copy(lastDay, 0, at, at + 10);
    lastDayMs = Date.UTC(year, month - 1, day);
  }
  return lastDayMs + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** The decimal number of `count` digits at `at`, or -1 when one is not a digit. */
function digits(raw: Buffer, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = raw[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** The position after `expected` when the bytes at `at` are it; else -1 (and -1 stays -1). */
function expect(raw: Buffer, at: number, end: number, expected: Buffer): number {
  if (at < 0 || at + expected.length > end) return -1;
  for (let i = 0; i < expected.length; i++) if (raw[at + i] !== expected[i]) return -1;
  return at + expected.length;
}

/** The closing quote of the plain string right after `key` at `at` (see plainString); else -1. */
function plainAfter(raw: Buffer, at: number, end: number, key: Buffer): number {
  return plainString(raw, expect(raw, at, end, key), end);
}

/** The bytes a JSON string literal's scan stops at: a quote, a backslash, a control byte. */
const stops = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) stops[c] = 1;
stops[0x22] = 1;
stops[0x5c] = 1;

/** The closing quote of a string literal with no escape and no control byte, from `at`; else -1. */
function plainString(raw: Buffer, at: number, end: number): number {
  if (at < 0) return -1;
  let i = at;
  while (i < end && stops[raw[i]!] === 0) i++;
  return i < end && raw[i] === 0x22 ? i : -1;
}

/** The closing quote of a valid JSON string literal whose characters start at `at`; else -1. */
function stringLiteral(raw: Buffer, at: number, end: number): number {
  if (at < 0) return -1;
  for (let i = at; i < end; i++) {
    while (i < end && stops[raw[i]!] === 0) i++;
    if (i === end) return -1;
    const c = raw[i]!;
    if (c === 0x22) return i;
    if (c < 0x20) return -1;
    const escaped = raw[++i];
    if (escaped === 0x75) {
      if (i + 4 >= end) return -1;
      for (let h = 1; h <= 4; h++) if (!isHexDigit(raw[i + h]!)) return -1;
      i += 4;
    } else if (!simpleEscapes.has(escaped ?? -1)) {
      return -1;
    }
  }
  return -1;
}

/** `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` (https://www.rfc-editor.org/rfc/rfc8259#section-7). */
const simpleEscapes: ReadonlySet<number> = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
