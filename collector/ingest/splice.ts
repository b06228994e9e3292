/**
 * The fast path for the agent's own log lines (pure). Parsing a line, copying it to stamp it and
 * serialising the copy again were half of the collector's CPU per line, and most of its garbage
 * (bench/RESULTS.md, "where the collector's CPU goes"). A line in the exact form the agent writes
 * (agent/sources/file/event-builder.ts) needs none of the copy: its first bytes,
 * `{"@timestamp":…,"message":…`, are stored as they arrived, and the rest of the document is
 * written from the parsed values and the token's identity, byte for byte what `stampIdentity`
 * and `JSON.stringify` make of the same line (the tests hold the two paths to that).
 *
 * A line takes this path only when it is provably that form: after the message literal it is
 * exactly the canonical text of its own parsed `log`, `host`, `agent`, `event` and `kiln`, and
 * before it exactly `{"@timestamp":<its timestamp>,"message":`. So it holds each of those seven
 * keys once and nothing else: no dotted key, no collector-owned field in any spelling, no
 * duplicate key (which `JSON.parse` would hide and Elasticsearch would refuse). Any other line,
 * an older agent's included, takes the general path unchanged.
 */
import type { IndexNames } from '../../lib/indices.ts';
import type { WireEvent } from '../../lib/wire.ts';
import type { SplicedItem } from '../storage/bulk-writer/encoder.ts';
import type { InstanceIdentity } from '../tokens/identity.ts';
import { isPlainObject } from './normalize.ts';
import { cloudOf, type LogIdentity, routeEvent, type TimestampWindow } from './stamp.ts';
import { storedIdOfEvent } from './stored-id.ts';

/** Nesting depth of the canonical form (`log.file`, `host.boot`, `kiln.log`), as `depthExceeds` counts. */
export const canonicalDepth = 3;

/**
 * The fixed pieces of the canonical suffix for one file of one agent, around the two that change
 * line by line (the offset and the event id): `,"log":{"file":{"path":…},"offset":`, then
 * `},"host":…,"event":{"id":`, then `},"kiln":…}}}`. Kept for the last file seen: a batch is
 * mostly one file's lines.
 */
class SuffixPieces {
  #last: CanonicalParts | undefined;
  beforeOffset = '';
  beforeId = '';
  afterId = '';
  /** UTF-8 bytes of the three pieces together. */
  bytes = 0;
  /** The JSON of the boot id and of the fingerprint, which the stored tail repeats. */
  bootJson = '';
  fingerprintJson = '';

  of(parts: CanonicalParts): this {
    const last = this.#last;
    if (
      last === undefined ||
      last.path !== parts.path ||
      last.host !== parts.host ||
      last.bootId !== parts.bootId ||
      last.agent !== parts.agent ||
      last.fingerprint !== parts.fingerprint
    ) {
      this.#last = parts;
      const json = JSON.stringify;
      this.bootJson = json(parts.bootId);
      this.fingerprintJson = json(parts.fingerprint);
      this.beforeOffset = `,"log":{"file":{"path":${json(parts.path)}},"offset":`;
      this.beforeId = `},"host":{"name":${json(parts.host)},"boot":{"id":${this.bootJson}}},"agent":{"id":${json(parts.agent)}},"event":{"id":`;
      this.afterId = `},"kiln":{"kind":"log","log":{"fingerprint":${this.fingerprintJson}}}}`;
      this.bytes = Buffer.byteLength(this.beforeOffset + this.beforeId + this.afterId);
    }
    return this;
  }
}

const suffixes = new SuffixPieces();

/** The values a canonical line is made of, besides its timestamp and message. */
interface CanonicalParts {
  path: string;
  offset: number;
  host: string;
  bootId: string;
  agent: string;
  eventId: string;
  fingerprint: string;
}

/** The parts of a parsed line the canonical form is made of, when it has exactly their types. */
function partsOf(event: Record<string, unknown>): CanonicalParts | undefined {
  const { log, host, agent, event: meta, kiln } = event;
  if (typeof event['@timestamp'] !== 'string' || typeof event.message !== 'string') return undefined;
  if (!isPlainObject(log) || !isPlainObject(log.file) || typeof log.file.path !== 'string') return undefined;
  const offset = log.offset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return undefined;
  if (!isPlainObject(host) || typeof host.name !== 'string') return undefined;
  if (!isPlainObject(host.boot) || typeof host.boot.id !== 'string') return undefined;
  if (!isPlainObject(agent) || typeof agent.id !== 'string') return undefined;
  if (!isPlainObject(meta) || typeof meta.id !== 'string') return undefined;
  if (!isPlainObject(kiln) || kiln.kind !== 'log' || !isPlainObject(kiln.log)) return undefined;
  const fingerprint = kiln.log.fingerprint;
  if (typeof fingerprint !== 'string') return undefined;
  return {
    path: log.file.path,
    offset,
    host: host.name,
    bootId: host.boot.id,
    agent: agent.id,
    eventId: meta.id,
    fingerprint,
  };
}

/**
 * How many bytes at the start of the line are `{"@timestamp":…,"message":"…"`, when the line is
 * in the agent's canonical form (see the file comment); else undefined. `text` is the line as
 * decoded, `lineBytes` its length in bytes, `event` what it parsed to.
 */
export function canonicalHeadBytes(
  text: string,
  lineBytes: number,
  event: Record<string, unknown>,
): number | undefined {
  const parts = partsOf(event);
  if (parts === undefined) return undefined;
  // The suffix is compared piece by piece where it must sit: building it as one string cost
  // more than all the comparing.
  const pieces = suffixes.of(parts);
  const offset = String(parts.offset);
  const id = JSON.stringify(parts.eventId);
  const suffixAt =
    text.length -
    pieces.beforeOffset.length -
    offset.length -
    pieces.beforeId.length -
    id.length -
    pieces.afterId.length;
  if (suffixAt < 0) return undefined;
  const idAt = suffixAt + pieces.beforeOffset.length + offset.length + pieces.beforeId.length;
  const canonical =
    text.startsWith(pieces.beforeOffset, suffixAt) &&
    text.startsWith(offset, suffixAt + pieces.beforeOffset.length) &&
    text.startsWith(pieces.beforeId, idAt - pieces.beforeId.length) &&
    text.startsWith(id, idAt) &&
    text.startsWith(pieces.afterId, idAt + id.length);
  if (!canonical) return undefined;
  const timestamp = JSON.stringify(event['@timestamp']);
  const messageAt = timestampAt + timestamp.length + messageKey.length;
  if (
    !text.startsWith(timestampKey, 0) ||
    !text.startsWith(timestamp, timestampAt) ||
    !text.startsWith(messageKey, messageAt - messageKey.length)
  )
    return undefined;
  // The message is one string literal: its closing quote is the last character before the suffix.
  if (closingQuote(text, messageAt) !== suffixAt - 1) return undefined;
  return lineBytes - pieces.bytes - offset.length - Buffer.byteLength(id);
}

const timestampKey = '{"@timestamp":';
const timestampAt = timestampKey.length;
const messageKey = ',"message":"';

/** The index of the quote that closes the string literal whose characters start at `from`. */
function closingQuote(text: string, from: number): number {
  let at = text.indexOf('"', from);
  while (at !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

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

/**
 * Makes the bulk items of canonical lines for one batch, routed and identified as `toBulkItems`
 * does. The stamped members and their order are `stampIdentity`'s: `log`, `event` (with
 * `ingested`), `cloud`, `host` (the line's boot id, the attested name, and in `full` the image),
 * `agent`, `kiln`.
 */
export class LogSplicer {
  readonly #context: SpliceContext;
  readonly #ingested: string;
  readonly #hostToFingerprint: string;
  readonly #bake: string;

  constructor(context: SpliceContext) {
    this.#context = context;
    const { identity } = context;
    const lean = (context.logIdentity ?? 'lean') === 'lean';
    this.#ingested = `,"ingested":${JSON.stringify(context.ingestedAt)}},"cloud":${JSON.stringify(cloudOf(identity, lean))},"host":{"boot":{"id":`;
    const name = identity.hostname ? `,"name":${JSON.stringify(identity.hostname)}` : '';
    const image = identity.imageId && !lean ? `,"image":{"id":${JSON.stringify(identity.imageId)}}` : '';
    this.#hostToFingerprint = `}${name}${image}},"agent":{"id":${JSON.stringify(identity.agentId)}},"kiln":{"kind":"log","log":{"fingerprint":`;
    this.#bake = identity.bakeId ? `},"bake":{"id":${JSON.stringify(identity.bakeId)}}` : '}';
  }

  /** The bulk item of a line `canonicalHeadBytes` accepted; `head` is those bytes of it. */
  item(event: WireEvent, head: Buffer): SplicedItem {
    const { names, window, nowMs, identity } = this.#context;
    const route = routeEvent(event, names, window, nowMs);
    return {
      id: storedIdOfEvent(identity.instanceId, event),
      index: route.index,
      head,
      tail: this.tail(event, route.outOfWindow),
    };
  }

  /** The document after the line's head. */
  tail(event: WireEvent, outOfWindow: boolean): string {
    const parts = partsOf(event as unknown as Record<string, unknown>)!;
    const pieces = suffixes.of(parts);
    return (
      `${pieces.beforeOffset}${parts.offset}},` +
      `"event":{"id":${JSON.stringify(parts.eventId)}${this.#ingested}${pieces.bootJson}` +
      `${this.#hostToFingerprint}${pieces.fingerprintJson}${this.#bake}` +
      `${outOfWindow ? ',"ingest":{"out_of_window":true}' : ''}}}`
    );
  }
}
