/**
 * Stores the agent's canonical log lines (canonical.ts) without building the document as an
 * object (pure). Stamping a copy of each line and serialising it again was, with parsing it,
 * half of the collector's CPU per line and most of its garbage (bench/RESULTS.md, "where the
 * collector's CPU goes"). A canonical line's head, `{"@timestamp":…,"message":…`, is stored as it
 * arrived; the rest is written from its fields and the token's identity, byte for byte what
 * `stampIdentity` and `JSON.stringify` make of the same line (the tests hold the two paths to that).
 */
import type { IndexNames } from '../../lib/indices.ts';
import { type SplicedItem, splicedItem } from '../storage/bulk-writer/encoder.ts';
import type { InstanceIdentity } from '../tokens/identity.ts';
import type { CanonicalLine } from './canonical.ts';
import { cloudOf, type LogIdentity, routeEvent, type TimestampWindow } from './stamp.ts';
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

  /** The bulk item of a canonical line. */
  item(line: CanonicalLine): SplicedItem {
    const { names, window, nowMs, identity } = this.#context;
    const route = routeEvent(line.event, names, window, nowMs);
    const id = storedIdOfEvent(identity.instanceId, line.event);
    return splicedItem(id, route.index, line.head, this.#tail(line, route.outOfWindow));
  }

  /**
   * The document after the line's head. A canonical line's strings hold no character JSON
   * escapes, so each one's JSON is the string between quotes.
   */
  #tail(line: CanonicalLine, outOfWindow: boolean): string {
    const { log, host, event, kiln } = line.event;
    return (
      `,"log":{"file":{"path":"${log.file.path}"},"offset":${log.offset}},"event":{"id":"${event.id}"` +
      `${this.#ingested}"${host.boot.id}"${this.#hostToFingerprint}"${kiln.log.fingerprint}"${this.#bake}` +
      `${outOfWindow ? ',"ingest":{"out_of_window":true}' : ''}}}`
    );
  }
}
