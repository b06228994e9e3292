/**
 * Turns a line's bytes into text. Invalid UTF-8 is replaced with U+FFFD and flagged rather
 * than failing the file (https://encoding.spec.whatwg.org/#utf-8-decode); a truncated line is
 * first cut back to a character boundary so truncation alone never looks like bad UTF-8.
 */
import { isUtf8 } from 'node:buffer';

/** A decoded line. */
export interface DecodedText {
  text: string;
  invalidUtf8: boolean;
}

/** Length of `bytes` without a trailing incomplete UTF-8 sequence. */
export function utf8BoundaryLength(bytes: Buffer): number {
  const n = bytes.length;
  // Walk back over at most 3 continuation bytes to the lead byte of the last character.
  for (let back = 1; back <= Math.min(4, n); back++) {
    const byte = bytes[n - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** Decodes a line; `truncated` lines are cut back to a character boundary first. */
export function decodeLine(bytes: Buffer, truncated: boolean): DecodedText {
  const usable = truncated ? bytes.subarray(0, utf8BoundaryLength(bytes)) : bytes;
  if (isUtf8(usable)) return { text: usable.toString('utf8'), invalidUtf8: false };
  return { text: usable.toString('utf8'), invalidUtf8: true };
}
