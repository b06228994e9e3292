/**
 * Encodes `_bulk` request bodies (https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html).
 * Always `create` with the event's deterministic id: a retried event is refused with 409 instead
 * of being stored twice. The body is written as bytes once: a spliced item's head is copied
 * from the line as it arrived, and nothing is serialised twice.
 */

/** One document to store, as an object. */
export interface DocumentItem {
  /** Deterministic id (the event's `event.id`), used as `_id`. */
  id: string;
  /** Target index. */
  index: string;
  /** The document. */
  doc: Record<string, unknown>;
}

/**
 * One document to store, already JSON: it writes its own `create` operation (action line,
 * document, newline) as bytes, so nothing of it is a string on the way (collector/ingest/splice.ts
 * writes the agent's canonical lines this way).
 */
export interface SplicedItem {
  readonly id: string;
  readonly index: string;
  /** Bytes of the whole operation: action, document and the newline. */
  readonly bytes: number;
  /** Writes the operation into `body` at `at`; returns the bytes written (`bytes`). */
  writeTo(body: Buffer, at: number): number;
}

/** One document to store. */
export type BulkItem = DocumentItem | SplicedItem;

/** The document of an item, as an object (a spliced one is parsed: only dead letters need it). */
export function documentOf(item: BulkItem): Record<string, unknown> {
  return 'doc' in item ? item.doc : (JSON.parse(sourceOf(item)) as Record<string, unknown>);
}

/** The document of an item as JSON text. */
export function sourceOf(item: BulkItem): string {
  if ('doc' in item) return JSON.stringify(item.doc);
  const operation = Buffer.allocUnsafe(item.bytes);
  item.writeTo(operation, 0);
  // The operation is the action line, then the document and its newline.
  return operation.toString('utf8', operation.indexOf(0x0a) + 1, operation.length - 1);
}

// Each document item is serialized and measured once: sizing a chunk, the request and any
// retry reuse the same text (serializing was the collector's largest CPU cost per event).
const encoded = new WeakMap<DocumentItem, { pair: string; bytes: number }>();

// Items of one request mostly share their index: its JSON is kept for the last one seen.
let lastIndex = '';
let lastIndexJson = '""';

/** The `create` action line of an item, newline-terminated. */
function actionOf(id: string, index: string): string {
  if (index !== lastIndex) {
    lastIndex = index;
    lastIndexJson = JSON.stringify(index);
  }
  return `{"create":{"_index":${lastIndexJson},"_id":${JSON.stringify(id)}}}\n`;
}

function encodedDocument(item: DocumentItem): { pair: string; bytes: number } {
  let encoding = encoded.get(item);
  if (encoding === undefined) {
    const pair = `${actionOf(item.id, item.index)}${JSON.stringify(item.doc)}\n`;
    encoding = { pair, bytes: Buffer.byteLength(pair) };
    encoded.set(item, encoding);
  }
  return encoding;
}

/** The two NDJSON lines of one item's `create` operation, newline-terminated. */
export function encodeBulkItem(item: BulkItem): string {
  if ('doc' in item) return encodedDocument(item).pair;
  const operation = Buffer.allocUnsafe(item.bytes);
  item.writeTo(operation, 0);
  return operation.toString('utf8');
}

/** The bytes of one item's `create` operation. */
export function encodedBytes(item: BulkItem): number {
  return 'doc' in item ? encodedDocument(item).bytes : item.bytes;
}

/**
 * The NDJSON body for `create` operations of these items (ends with a newline, as _bulk
 * requires), written into a buffer from `pool` when one is given.
 */
export function encodeBulkCreate(items: readonly BulkItem[], pool?: BodyPool): Buffer {
  let total = 0;
  for (const item of items) total += encodedBytes(item);
  const body = pool ? pool.take(total) : Buffer.allocUnsafe(total);
  let at = 0;
  for (const item of items) {
    at += 'doc' in item ? body.write(encodedDocument(item).pair, at) : item.writeTo(body, at);
  }
  return body;
}

/** Splits items into chunks whose encoded size stays under `maxBytes` (a single larger item goes alone). */
export function chunkBySize(items: readonly BulkItem[], maxBytes: number): BulkItem[][] {
  const chunks: BulkItem[][] = [];
  let current: BulkItem[] = [];
  let size = 0;
  for (const item of items) {
    const itemBytes = encodedBytes(item);
    if (current.length > 0 && size + itemBytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += itemBytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Request bodies to write into again once Elasticsearch has answered. A `_bulk` body of 2 000
 * lines is about 1.5 MB outside V8's heap; a new one per request made V8 run a full collection
 * for every ~64 MB of them (it collects when memory outside its heap grows), which was a third
 * of the collector's CPU. Holds at most `keep` buffers of at most `maxBytes` each.
 */
export class BodyPool {
  readonly #free: Buffer[] = [];
  /** The whole buffer behind each body handed out and not yet given back. */
  readonly #out = new WeakMap<ArrayBufferLike, Buffer>();
  readonly #keep: number;
  readonly #maxBytes: number;

  constructor(keep = 4, maxBytes = 16 * 1024 * 1024) {
    this.#keep = keep;
    this.#maxBytes = maxBytes;
  }

  /** A buffer of exactly `bytes`, from a free one large enough when there is one. */
  take(bytes: number): Buffer {
    const i = this.#free.findIndex((b) => b.length >= bytes);
    // Room to grow: the next body of a similar batch fits the same buffer.
    const whole =
      i >= 0
        ? this.#free.splice(i, 1)[0]!
        : Buffer.allocUnsafeSlow(
            bytes >= this.#maxBytes ? bytes : Math.min(Math.ceil(bytes * 1.25), this.#maxBytes),
          );
    this.#out.set(whole.buffer, whole);
    return whole.subarray(0, bytes);
  }

  /** Gives back a body from `take`, once nothing reads it any more (its request was answered). */
  give(body: Buffer): void {
    const whole = this.#out.get(body.buffer);
    if (!whole) return;
    this.#out.delete(body.buffer);
    if (this.#free.length < this.#keep && whole.length <= this.#maxBytes) this.#free.push(whole);
  }
}
