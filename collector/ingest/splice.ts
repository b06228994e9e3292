/**
 * Stores the agent's canonical log lines (canonical.ts) without building the document as an
 * object (pure). Stamping a copy of each line and serialising it again was, with parsing it,
 * half of the collector's CPU per line and most of its garbage (bench/RESULTS.md, "where the
 * collector's CPU goes"). A canonical line's head, `{"@timestamp":…,"message":…`, is stored as it
 * arrived; the rest is written from its fields and the token's identity, byte for byte what
 * `stampIdentity`, `toBulkItem` and `JSON.stringify` make of the same line (the tests hold the
 * two paths to that).
 */
import type { IndexNames } from '../../lib/indices.ts';
import type { SplicedItem } from '../storage/bulk-writer/encoder.ts';
import type { InstanceIdentity } from '../tokens/identity.ts';
import type { CanonicalLine } from './canonical.ts';
import { cloudOf, type LogIdentity, routeAt, type TimestampWindow } from './stamp.ts';
import { storedIdOfPosition } from './stored-id.ts';

/** What the spliced items of one batch share: one identity, one arrival time. */
export interface SpliceContext {
  identity: InstanceIdentity;
  /** `event.ingested`: when the batch arrived. */
  ingestedAt: string;
  nowMs: number;
  names: IndexNames;
  window: TimestampWindow;
  logIdentity?: LogIdentity;
}

/** JSON text as bytes (identity values and index names are any text, so they are encoded). */
const utf8 = (text: string) => Buffer.from(text, 'utf8');
const endAction = utf8('"}}\n');
const toEventId = utf8('},"event":{"id":"');
const noBytes = Buffer.alloc(0);

/**
 * Makes the bulk items of canonical lines for one batch, routed and identified as `toBulkItems`
 * does. The stored members and their order are `stampIdentity`'s and `toBulkItem`'s: `log`,
 * `event` (`ingested`, and in `full` the agent's `id`), `cloud`, `host` (the line's boot id, the
 * attested name, and in `full` the image), in `full` `agent`, then `kiln` (in `full` with the
 * file's fingerprint). Each line's operation is a few parts shared by the batch's lines of one
 * file (made once each) between the line's own bytes: see SplicedLine.
 */
export class LogSplicer {
  readonly #context: SpliceContext;
  readonly #toBootId: string;
  readonly #toFingerprint: string;
  readonly #toEnd: string;
  /** `},"event":{"id":"` in `full`; nothing in `lean`, which stores no agent ids. */
  readonly #toEventId: Buffer;
  #index = '';
  #action = Buffer.alloc(0);
  readonly #path = new LastBytes();
  #pathPart = Buffer.alloc(0);
  readonly #boot = new LastBytes();
  #lastRest: { outside: boolean; fingerprint: string; part: Buffer } | undefined;

  constructor(context: SpliceContext) {
    this.#context = context;
    const { identity } = context;
    const lean = (context.logIdentity ?? 'lean') === 'lean';
    const name = identity.hostname ? `,"name":${JSON.stringify(identity.hostname)}` : '';
    const image = identity.imageId && !lean ? `,"image":{"id":${JSON.stringify(identity.imageId)}}` : '';
    const ingested = `"ingested":${JSON.stringify(context.ingestedAt)}}`;
    const cloud = `,"cloud":${JSON.stringify(cloudOf(identity, lean))},"host":{"boot":{"id":"`;
    const bake = identity.bakeId ? `,"bake":{"id":${JSON.stringify(identity.bakeId)}}` : '';
    this.#toEventId = lean ? noBytes : toEventId;
    this.#toBootId = lean ? `},"event":{${ingested}${cloud}` : `",${ingested}${cloud}`;
    this.#toFingerprint = lean
      ? `"}${name}},"kiln":{"kind":"log"`
      : `"}${name}${image}},"agent":{"id":${JSON.stringify(identity.agentId)}},"kiln":{"kind":"log","log":{"fingerprint":"`;
    this.#toEnd = lean ? bake : `"}${bake}`;
  }

  /** The bulk item of a canonical line. */
  item(line: CanonicalLine): SplicedItem {
    const { names, window, nowMs, identity } = this.#context;
    const route = routeAt(line.timestampMs, 'log', names, window, nowMs);
    if (route.index !== this.#index) {
      this.#index = route.index;
      this.#action = utf8(`{"create":{"_index":${JSON.stringify(route.index)},"_id":"`);
    }
    const id = storedIdOfPosition(identity.instanceId, line.fingerprint, line.offset, line.eventId);
    const raw = line.raw;
    // A canonical line's strings hold no character JSON escapes: each one's JSON is its bytes.
    if (!this.#path.holds(raw, line.pathAt, line.pathEnd)) {
      const path = this.#path.take(raw, line.pathAt, line.pathEnd);
      this.#pathPart = Buffer.concat([utf8(',"log":{"file":{"path":"'), path, utf8('"},"offset":')]);
    }
    const path = this.#pathPart;
    const rest = this.#restOf(line, route.outOfWindow);
    return new SplicedLine(id, route.index, this.#action, line, path, this.#toEventId, rest);
  }

  /**
   * From after the event id (`full`) or the offset (`lean`) to the end of the document: one per
   * boot id, fingerprint and window flag.
   */
  #restOf(line: CanonicalLine, outside: boolean): Buffer {
    const raw = line.raw;
    const last = this.#lastRest;
    const sameBoot = this.#boot.holds(raw, line.bootIdAt, line.bootIdEnd);
    if (sameBoot && last && last.outside === outside && last.fingerprint === line.fingerprint)
      return last.part;
    const boot = sameBoot ? this.#boot.bytes : this.#boot.take(raw, line.bootIdAt, line.bootIdEnd);
    const close = `${this.#toEnd}${outside ? ',"ingest":{"out_of_window":true}' : ''}}}\n`;
    const lean = this.#toEventId.length === 0;
    const part = Buffer.concat([
      utf8(this.#toBootId),
      boot,
      utf8(this.#toFingerprint),
      lean ? noBytes : raw.subarray(line.fingerprintAt, line.fingerprintEnd),
      utf8(close),
    ]);
    this.#lastRest = { outside, fingerprint: line.fingerprint, part };
    return part;
  }
}

/** The last bytes taken from a batch (a file's path, a boot id), to tell the next line's apart. */
class LastBytes {
  bytes: Buffer = Buffer.alloc(0);
  #taken = false;

  /** Whether `raw[start, end)` are the bytes taken last. */
  holds(raw: Buffer, start: number, end: number): boolean {
    const last = this.bytes;
    const length = end - start;
    if (!this.#taken || length !== last.length) return false;
    for (let i = 0; i < length; i++) if (raw[start + i] !== last[i]) return false;
    return true;
  }

  /** Keeps a copy of `raw[start, end)` and returns it. */
  take(raw: Buffer, start: number, end: number): Buffer {
    this.bytes = Buffer.from(raw.subarray(start, end));
    this.#taken = true;
    return this.bytes;
  }
}

/**
 * A canonical line's `create` operation, written from the batch's bytes:
 * `{"create":{"_index":…,"_id":"` (per index), the id, `"}}` and a newline; the head as it
 * arrived; `,"log":{"file":{"path":"P"},"offset":` (per file); the line's offset digits; in
 * `full`, `},"event":{"id":"` and its event id; then the rest of the document through its
 * newline (per boot id and fingerprint). The ids are base64url text, which JSON writes as it is.
 */
class SplicedLine implements SplicedItem {
  readonly id: string;
  readonly index: string;
  readonly bytes: number;
  readonly #action: Buffer;
  readonly #line: CanonicalLine;
  readonly #path: Buffer;
  readonly #toEventId: Buffer;
  readonly #rest: Buffer;

  constructor(
    id: string,
    index: string,
    action: Buffer,
    line: CanonicalLine,
    path: Buffer,
    toEventId: Buffer,
    rest: Buffer,
  ) {
    this.id = id;
    this.index = index;
    this.#action = action;
    this.#line = line;
    this.#path = path;
    this.#toEventId = toEventId;
    this.#rest = rest;
    const eventId = toEventId.length > 0 ? toEventId.length + (line.eventIdEnd - line.eventIdAt) : 0;
    this.bytes =
      action.length +
      id.length +
      endAction.length +
      (line.headEnd - line.start) +
      path.length +
      (line.offsetEnd - line.offsetAt) +
      eventId +
      rest.length;
  }

  writeTo(body: Buffer, at: number): number {
    const l = this.#line;
    const raw = l.raw;
    let end = put(body, at, this.#action);
    for (let i = 0; i < this.id.length; i++) body[end++] = this.id.charCodeAt(i);
    end = put(body, end, endAction);
    end += raw.copy(body, end, l.start, l.headEnd);
    end = put(body, end, this.#path);
    end = copy(raw, l.offsetAt, l.offsetEnd, body, end);
    if (this.#toEventId.length > 0) {
      end = put(body, end, this.#toEventId);
      end = copy(raw, l.eventIdAt, l.eventIdEnd, body, end);
    }
    end = put(body, end, this.#rest);
    return end - at;
  }
}

/** Copies `part` into `body` at `at`; returns the position after it. */
function put(body: Buffer, at: number, part: Buffer): number {
  // A whole buffer is copied natively with no view; a short one is quicker in the loop.
  return part.length > 48 ? at + part.copy(body, at) : copy(part, 0, part.length, body, at);
}

/**
 * Copies `from[start, end)` into `body` at `at`; returns the position after it. A loop, not
 * `Buffer.copy`: the parts are a few dozen bytes, and `copy` makes a view of each one.
 */
function copy(from: Buffer, start: number, end: number, body: Buffer, at: number): number {
  let to = at;
  for (let i = start; i < end; i++) body[to++] = from[i]!;
  return to;
}
