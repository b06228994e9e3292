/**
 * A SplicedItem made of a document's first bytes and the JSON text of the rest, for the encoder
 * and writer tests: what any spliced item is to them (collector/ingest/splice.ts writes the
 * agent's canonical lines this way, from the batch's bytes).
 */
import type { SplicedItem } from '../../collector/storage/bulk-writer/encoder.ts';

export function splicedItem(id: string, index: string, head: Buffer, tail: string): SplicedItem {
  const action = `${JSON.stringify({ create: { _index: index, _id: id } })}\n`;
  return {
    id,
    index,
    bytes: Buffer.byteLength(action) + head.length + Buffer.byteLength(tail) + 1,
    writeTo(body, at) {
      let end = at + body.write(action, at);
      end += head.copy(body, end);
      end += body.write(tail, end);
      body[end++] = 0x0a;
      return end - at;
    },
  };
}
