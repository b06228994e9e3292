/**
 * Stores the agent's canonical log lines (canonical.ts) without building the document as an
 * object (pure). Stamping a copy of each line and serialising it again was, with parsing it,
 * half of the collector's CPU per line and most of its garbage (bench/RESULTS.md, "where the
 * collector's CPU goes"). A canonical line's head, `{"@timestamp":…,"message":…`, is stored as it
 * arrived; the rest is written from its fields and the token's identity, byte for byte what
 * `stampIdentity` and `JSON.stringify` make of the same line (the tests hold the two paths to that).
 */
import type { IndexNames } from '../../lib/indices.ts';
import type { SplicedItem } from '../storage/bulk-writer/encoder.ts';
import type { InstanceIdentity } from '../tokens/identity.ts';
import type { CanonicalLine } from './canonical.ts';
import { cloudOf, type LogIdentity, routeAt, type TimestampWindow } from './stamp.ts';
import { storedIdOfEvent } from './stored-id.ts';

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
const createIndex = utf8('{"create":{"_index":');
const andId = utf8(',"_id":"');
const endAction = utf8('"}}\n');
const toPath = utf8(',"log":{"file":{"path":"');
const toOffset = utf8('"},"offset":');
const toEventId = utf8('},"event":{"id":"');
const outOfWindow = utf8(',"ingest":{"out_of_window":true}');
const closeDocument = utf8('}}\n');

/**
 * Makes the bulk items of canonical lines for one batch, routed and identified as `toBulkItems`
 * does. The stamped members and their order are `stampIdentity`'s: `log`, `event` (with
 * `ingested`), `cloud`, `host` (the line's boot id, the attested name, and in `full` the image),
 * `agent`, `kiln`.
 */
export class LogSplicer {
  readonly #context: SpliceContext;
  readonly #parts: SplicedParts;
  #index = '';
  #indexJson = utf8('""');

  constructor(context: SpliceContext) {
    this.#context = context;
    const { identity } = context;
    const lean = (context.logIdentity ?? 'lean') === 'lean';
    const name = identity.hostname ? `,"name":${JSON.stringify(identity.hostname)}` : '';
    const image = identity.imageId && !lean ? `,"image":{"id":${JSON.stringify(identity.imageId)}}` : '';
    this.#parts = {
      toBootId: utf8(
        `","ingested":${JSON.stringify(context.ingestedAt)}},"cloud":${JSON.stringify(cloudOf(identity, lean))},"host":{"boot":{"id":"`,
      ),
      toFingerprint: utf8(
        `"}${name}${image}},"agent":{"id":${JSON.stringify(identity.agentId)}},"kiln":{"kind":"log","log":{"fingerprint":"`,
      ),
      toEnd: utf8(identity.bakeId ? `"},"bake":{"id":${JSON.stringify(identity.bakeId)}}` : '"}'),
    };
  }

  /** The bulk item of a canonical line. */
  item(line: CanonicalLine): SplicedItem {
    const { names, window, nowMs, identity } = this.#context;
    const route = routeAt(line.timestampMs, 'log', names, window, nowMs);
    if (route.index !== this.#index) {
      this.#index = route.index;
      this.#indexJson = utf8(JSON.stringify(route.index));
    }
    const id = storedIdOfEvent(identity.instanceId, line.event);
    return new SplicedLine(id, route.index, this.#indexJson, line, route.outOfWindow, this.#parts);
  }
}

/** What every spliced line of one batch shares: the stamped parts of its tail. */
interface SplicedParts {
  /** From the end of the event id to the boot id: `ingested`, `cloud` and `host.boot`. */
  toBootId: Buffer;
  /** From the end of the boot id to the fingerprint: the host name, `agent` and `kiln`. */
  toFingerprint: Buffer;
  /** From the end of the fingerprint: `kiln.bake` and the closing of `kiln.log`. */
  toEnd: Buffer;
}

/**
 * A canonical line's `create` operation, written from the batch's bytes: the action line, the
 * head as it arrived, then the tail from the line's own plain values (a canonical line's strings
 * hold no character JSON escapes, so each one's JSON is its bytes between quotes) and the
 * batch's stamped parts. Its ids are base64url text, which JSON writes as it is.
 */
class SplicedLine implements SplicedItem {
  readonly id: string;
  readonly index: string;
  readonly bytes: number;
  readonly #indexJson: Buffer;
  readonly #line: CanonicalLine;
  readonly #outOfWindow: boolean;
  readonly #parts: SplicedParts;

  constructor(
    id: string,
    index: string,
    indexJson: Buffer,
    line: CanonicalLine,
    outside: boolean,
    parts: SplicedParts,
  ) {
    this.id = id;
    this.index = index;
    this.#indexJson = indexJson;
    this.#line = line;
    this.#outOfWindow = outside;
    this.#parts = parts;
    const l = line;
    this.bytes =
      createIndex.length +
      indexJson.length +
      andId.length +
      id.length +
      endAction.length +
      (l.headEnd - l.start) +
      toPath.length +
      (l.pathEnd - l.pathAt) +
      toOffset.length +
      (l.offsetEnd - l.offsetAt) +
      toEventId.length +
      (l.eventIdEnd - l.eventIdAt) +
      parts.toBootId.length +
      (l.bootIdEnd - l.bootIdAt) +
      parts.toFingerprint.length +
      (l.fingerprintEnd - l.fingerprintAt) +
      parts.toEnd.length +
      (outside ? outOfWindow.length : 0) +
      closeDocument.length;
  }

  writeTo(body: Buffer, at: number): number {
    const l = this.#line;
    const parts = this.#parts;
    const raw = l.raw;
    let end = put(body, at, createIndex);
    end = put(body, end, this.#indexJson);
    end = put(body, end, andId);
    for (let i = 0; i < this.id.length; i++) body[end++] = this.id.charCodeAt(i);
    end = put(body, end, endAction);
    end += raw.copy(body, end, l.start, l.headEnd);
    end = put(body, end, toPath);
    end = copy(raw, l.pathAt, l.pathEnd, body, end);
    end = put(body, end, toOffset);
    end = copy(raw, l.offsetAt, l.offsetEnd, body, end);
    end = put(body, end, toEventId);
    end = copy(raw, l.eventIdAt, l.eventIdEnd, body, end);
    end = put(body, end, parts.toBootId);
    end = copy(raw, l.bootIdAt, l.bootIdEnd, body, end);
    end = put(body, end, parts.toFingerprint);
    end = copy(raw, l.fingerprintAt, l.fingerprintEnd, body, end);
    end = put(body, end, parts.toEnd);
    if (this.#outOfWindow) end = put(body, end, outOfWindow);
    end = put(body, end, closeDocument);
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
