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
 * One document to store, already JSON: `head` is the start of the line as the agent sent it and
 * `tail` the stamped rest (collector/ingest/splice.ts). Made by `splicedItem`, which also writes
 * its action line and measures it once.
 */
export interface SplicedItem {
  readonly id: string;
  readonly index: string;
  readonly head: Buffer;
  readonly tail: string;
  /** The `create` action line, newline-terminated. */
  readonly action: string;
  /** Bytes of the whole operation: action, head, tail and the newline. */
  readonly bytes: number;
}

/** A spliced item (see SplicedItem). */
export function splicedItem(id: string, index: string, head: Buffer, tail: string): SplicedItem {
  const action = actionOf(id, index);
  return {
    id,
    index,
    head,
    tail,
    action,
    bytes: Buffer.byteLength(action) + head.length + Buffer.byteLength(tail) + 1,
  };
}

/** One document to store. */
export type BulkItem = DocumentItem | SplicedItem;

/** The document of an item, as an object (a spliced one is parsed: only dead letters need it). */
export function documentOf(item: BulkItem): Record<string, unknown> {
  return 'doc' in item ? item.doc : (JSON.parse(sourceOf(item)) as Record<string, unknown>);
}

/** The document of an item as JSON text. */
export function sourceOf(item: BulkItem): string {
  return 'doc' in item ? JSON.stringify(item.doc) : item.head.toString('utf8') + item.tail;
}

// Each document item is serialized and measured once: sizing a chunk, the request and any
// retry reuse the same text (serializing was the collector's largest CPU cost per event).
const encoded = new WeakMap<DocumentItem, { pair: string; bytes: number }>();

// Items of one request mostly share their index: its JSON is kept for the last one seen.
let lastIndex = '';
let lastIndexJson = '""';

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
  return 'doc' in item ? encodedDocument(item).pair : `${item.action}${sourceOf(item)}\n`;
}

/** The bytes of one item's `create` operation. */
export function encodedBytes(item: BulkItem): number {
  return 'doc' in item ? encodedDocument(item).bytes : item.bytes;
}

/** The NDJSON body for `create` operations of these items (ends with a newline, as _bulk requires). */
export function encodeBulkCreate(items: readonly BulkItem[]): Buffer {
  let total = 0;
  for (const item of items) total += encodedBytes(item);
  const body = Buffer.allocUnsafe(total);
  let at = 0;
  for (const item of items) {
    if ('doc' in item) {
      at += body.write(encodedDocument(item).pair, at);
    } else {
      at += body.write(item.action, at);
      at += item.head.copy(body, at);
      at += body.write(item.tail, at);
      body[at++] = 0x0a;
    }
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
