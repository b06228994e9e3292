/**
 * Encodes `_bulk` request bodies (https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html).
 * Always `create` with the event's deterministic id: a retried event is refused with 409 instead
 * of being stored twice.
 */

/** One document to store. */
export interface BulkItem {
  /** Deterministic id (the event's `event.id`), used as `_id`. */
  id: string;
  /** Target index. */
  index: string;
  /** The document. */
  doc: Record<string, unknown>;
}

// Each item is serialized once: sizing a chunk, the request and any retry reuse the same text
// (serializing was the collector's largest CPU cost per event).
const encoded = new WeakMap<BulkItem, string>();

/** The two NDJSON lines of one item's `create` operation, newline-terminated. */
export function encodeBulkItem(item: BulkItem): string {
  let pair = encoded.get(item);
  if (pair === undefined) {
    pair = `${JSON.stringify({ create: { _index: item.index, _id: item.id } })}\n${JSON.stringify(item.doc)}\n`;
    encoded.set(item, pair);
  }
  return pair;
}

/** The NDJSON body for `create` operations of these items (ends with a newline, as _bulk requires). */
export function encodeBulkCreate(items: readonly BulkItem[]): string {
  let body = '';
  for (const item of items) body += encodeBulkItem(item);
  return body;
}

/** Splits items into chunks whose encoded size stays under `maxBytes` (a single larger item goes alone). */
export function chunkBySize(items: readonly BulkItem[], maxBytes: number): BulkItem[][] {
  const chunks: BulkItem[][] = [];
  let current: BulkItem[] = [];
  let size = 0;
  for (const item of items) {
    const itemBytes = Buffer.byteLength(encodeBulkItem(item));
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
